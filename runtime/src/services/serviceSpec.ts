import * as path from 'node:path';
import { z } from 'zod';
import { ServiceSpecError, type SpecIssue } from './errors';

export { ServiceSpecError } from './errors';

/** Service names: also file names (`<name>.log`), so nothing that could escape the folder. */
export const SERVICE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

const LOOPBACK_URL_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];
const LOOPBACK_ONLY = 'only loopback addresses can be monitored';

const text = (what: string, base = z.string()) => base.refine((value) => !value.includes('\0'), `${what} must not contain NUL characters`);

const monitorUrl = z.string().superRefine((value, context) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    context.addIssue({ code: 'custom', message: 'not a valid URL' });
    return;
  }
  if (!LOOPBACK_URL_HOSTS.includes(url.hostname)) context.addIssue({ code: 'custom', message: LOOPBACK_ONLY });
  else if (url.protocol !== 'http:') context.addIssue({ code: 'custom', message: 'only http:// URLs can be monitored' });
});

const loopbackHost = z
  .string()
  // `[::1]` is how the address is written in URLs; sockets want it bare.
  .transform((host) => (host === '[::1]' ? '::1' : host))
  .refine((host) => LOOPBACK_HOSTS.includes(host), LOOPBACK_ONLY);

const healthSchema = z
  .strictObject({
    http: z.strictObject({ url: monitorUrl, expectStatus: z.number().int().min(100).max(599).default(200) }).optional(),
    tcp: z.strictObject({ host: loopbackHost.default('127.0.0.1'), port: z.number().int().min(1).max(65535) }).optional(),
    intervalMs: z.number().int().min(50).max(600_000).default(1000),
    timeoutMs: z.number().int().min(50).max(60_000).default(2000),
  })
  .superRefine((health, context) => {
    if (health.http && health.tcp) context.addIssue({ code: 'custom', message: 'give either http or tcp, not both' });
    if (!health.http && !health.tcp) context.addIssue({ code: 'custom', message: 'give http: { url } or tcp: { port }' });
  });

/**
 * Fields every service type shares. A new type spreads this into its own strict object with its
 * own `type: z.literal(...)` and fields (see `processSpecSchema`).
 */
export const serviceSpecBase = {
  name: z.string().regex(SERVICE_NAME_PATTERN, 'use 1 to 63 letters, digits, "_" or "-", starting with a letter or digit'),
  type: z.string(),
  health: healthSchema.optional(),
  startTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
  restart: z.enum(['never', 'on-failure']).default('never'),
};

/** The `process` type: a command run in its own process group. */
export const processSpecSchema = z.strictObject({
  ...serviceSpecBase,
  type: z.literal('process'),
  command: text('command', z.string().min(1, 'must not be empty')),
  args: z.array(text('an argument')).max(10_000).default([]),
  cwd: text('cwd')
    .refine((dir) => path.isAbsolute(dir), 'must be an absolute path')
    .optional(),
  env: z.record(z.string().regex(/^[^=\0]+$/, 'names must be non-empty, without "=" or NUL'), text('a value')).default({}),
});

/** Health monitoring of a service (exactly one of `http` and `tcp`), with defaults applied. */
export type HealthSpec = z.output<typeof healthSchema>;
/** `never` (default) or `on-failure`: restart after a non-zero exit, at most 3 times a minute. */
export type RestartPolicy = z.output<typeof serviceSpecBase.restart>;

/** What the manager needs of any spec, whatever its type (a type alias, so it is plain JSON-able data). */
export type BaseServiceSpec = {
  name: string;
  type: string;
  health?: HealthSpec;
  startTimeoutMs: number;
  restart: RestartPolicy;
};

/** A validated `process` spec, defaults applied. */
export type ProcessServiceSpec = z.output<typeof processSpecSchema>;
/** A validated spec of a built-in type. */
export type ServiceSpec = ProcessServiceSpec;
/** What a client sends to start a service of a built-in type (defaults may be left out). */
export type ServiceSpecInput = z.input<typeof processSpecSchema>;

/** How to run a service: the manager spawns this in its own process group. */
export interface LaunchPlan {
  command: string;
  args: string[];
  /** Absolute; the daemon's own folder when absent. */
  cwd?: string;
  /** Added to the daemon's environment (minus its secrets). */
  env: Record<string, string>;
}

/** One kind of service: how its spec is validated and how it is run. */
export interface ServiceTypeDefinition<S extends BaseServiceSpec = BaseServiceSpec> {
  readonly type: string;
  readonly schema: z.ZodType<S, unknown>;
  launchPlan(spec: S): LaunchPlan;
}

/** The built-in `process` type. */
export const processServiceType: ServiceTypeDefinition<ProcessServiceSpec> = {
  type: 'process',
  schema: processSpecSchema,
  launchPlan: (spec) => ({ command: spec.command, args: spec.args, cwd: spec.cwd, env: spec.env }),
};

/** The service types a manager accepts; an unknown `type` is a clear error listing the known ones. */
export class ServiceTypeRegistry {
  private readonly types = new Map<string, ServiceTypeDefinition>();

  /** Adds a type; registering a name twice is a programming error. */
  register<S extends BaseServiceSpec>(definition: ServiceTypeDefinition<S>): this {
    if (this.types.has(definition.type)) throw new Error(`service type "${definition.type}" is already registered`);
    // Safe: `launchPlan` only ever sees specs its own `schema` produced.
    this.types.set(definition.type, definition as unknown as ServiceTypeDefinition);
    return this;
  }

  /** The definition of a type, if registered. */
  get(type: string): ServiceTypeDefinition | undefined {
    return this.types.get(type);
  }

  /** Registered type names, sorted. */
  known(): string[] {
    return [...this.types.keys()].sort();
  }

  /** Validates a spec: throws `ServiceSpecError` naming the field path, or the unknown type. */
  parse(value: unknown): BaseServiceSpec {
    const known = `known: ${this.known().join(', ') || 'none'}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ServiceSpecError('spec: expected an object with name, type, command...', [{ path: 'spec', message: 'expected an object' }]);
    }
    const type = (value as { type?: unknown }).type;
    if (typeof type !== 'string') {
      const message = `${type === undefined ? 'required' : 'expected a string'} (${known})`;
      throw new ServiceSpecError(`type: ${message}`, [{ path: 'type', message }]);
    }
    const definition = this.types.get(type);
    if (!definition) {
      const message = `unknown service type ${JSON.stringify(type)} (${known})`;
      throw new ServiceSpecError(message, [{ path: 'type', message }]);
    }
    // With each issue's input, so a missing field is told by its value, not by zod's wording.
    const parsed = definition.schema.safeParse(value, { reportInput: true });
    if (parsed.success) return parsed.data;
    const issues = specIssues(parsed.error.issues);
    const name = (value as { name?: unknown }).name;
    throw new ServiceSpecError(
      issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
      issues,
      typeof name === 'string' && SERVICE_NAME_PATTERN.test(name) ? name : undefined,
    );
  }
}

/** The registry with the built-in types; `ServiceManager` uses it unless given another. */
export const serviceTypes = new ServiceTypeRegistry().register(processServiceType);

/** Validates a spec against `registry` (the built-in types by default). */
export function parseServiceSpec(value: unknown, registry: ServiceTypeRegistry = serviceTypes): BaseServiceSpec {
  return registry.parse(value);
}

type ZodIssue = z.ZodError['issues'][number];

/** zod's issues as `path: message` pairs a person can act on. */
function specIssues(issues: readonly ZodIssue[]): SpecIssue[] {
  return issues.flatMap((issue): SpecIssue[] => {
    const at = (keys: PropertyKey[]) => (keys.length === 0 ? 'spec' : keys.map(String).join('.'));
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: at([...issue.path, key]), message: 'unknown field' }));
    if (issue.code === 'invalid_key') return [{ path: at(issue.path), message: issue.issues[0]?.message ?? issue.message }];
    if (issue.code === 'invalid_type' && issue.input === undefined) return [{ path: at(issue.path), message: 'required' }];
    return [{ path: at(issue.path), message: readable(issue.message) }];
  });
}

function readable(message: string): string {
  return message
    .replace(/^Invalid input: /, '')
    .replace(/^expected int, received number$/, 'expected an integer')
    .replace(/^Invalid option: /, '');
}
