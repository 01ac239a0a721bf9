import { z } from 'zod';

/** Raised for a service spec that cannot be used; the message names the field. */
export class ServiceSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceSpecError';
  }
}

/** Service types the daemon knows how to run. */
export const SERVICE_TYPES = ['process'] as const;

const loopbackHost = z.string().refine((host) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host), { message: 'only loopback addresses can be monitored' });

const healthSchema = z.strictObject({
  http: z
    .strictObject({
      url: z
        .string()
        .url()
        .refine((url) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname), { message: 'only loopback addresses can be monitored' }),
      expectStatus: z.number().int().min(100).max(599).default(200),
    })
    .optional(),
  tcp: z.strictObject({ host: loopbackHost.default('127.0.0.1'), port: z.number().int().min(1).max(65535) }).optional(),
  intervalMs: z.number().int().min(50).max(600_000).default(1000),
  timeoutMs: z.number().int().min(50).max(60_000).default(2000),
});

export const serviceSpecSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, 'use letters, digits, "_" and "-" (at most 63)'),
  type: z.string(),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  health: healthSchema.optional(),
  startTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
});

export type ServiceSpec = z.output<typeof serviceSpecSchema>;
export type ServiceSpecInput = z.input<typeof serviceSpecSchema>;

/** Validates a spec; errors name the field path, and an unknown type lists the known ones. */
export function parseServiceSpec(value: unknown): ServiceSpec {
  const parsed = serviceSpecSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ServiceSpecError(`${issue.path.length > 0 ? issue.path.join('.') : 'spec'}: ${issue.message}`);
  }
  if (!(SERVICE_TYPES as readonly string[]).includes(parsed.data.type)) {
    throw new ServiceSpecError(`unknown service type "${parsed.data.type}" (known: ${SERVICE_TYPES.join(', ')})`);
  }
  return parsed.data;
}
