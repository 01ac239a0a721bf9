import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

/** Where a service is in its life. */
export type ServiceState = 'starting' | 'healthy' | 'unhealthy' | 'running' | 'stopped' | 'exited' | 'failed';

/** States in which a process is (supposed to be) running. */
export const LIVE_STATES: readonly ServiceState[] = ['starting', 'healthy', 'unhealthy', 'running'];

const healthResult = z.object({ ok: z.boolean(), at: z.string(), detail: z.string() });

/** One service as kept in `services.json`; the spec is re-validated by its type when loaded. */
const persistedService = z.object({
  spec: z.looseObject({ name: z.string(), type: z.string() }),
  pid: z.number().int().positive().nullable(),
  identity: z.string().nullable(),
  state: z.enum(['starting', 'healthy', 'unhealthy', 'running', 'stopped', 'exited', 'failed']),
  since: z.string(),
  startedAt: z.string().nullable(),
  lastHealth: healthResult.nullable(),
  detail: z.string().optional(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  restartTimes: z.array(z.number()),
  restartCount: z.number().int().nonnegative(),
});

/** A service record as stored. */
export type PersistedService = z.output<typeof persistedService>;

const STATE_VERSION = 1;

/**
 * Reads `services.json`. Never throws: a missing file is no services; an unreadable or foreign
 * one is moved aside (so nothing is lost) and reported through `warn`; bad entries are skipped.
 */
export function loadState(file: string, warn: (message: string) => void): PersistedService[] {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') warn(`cannot read ${file}: ${(error as Error).message}`);
    return [];
  }
  let document: unknown;
  try {
    document = JSON.parse(raw);
  } catch (error) {
    return setAside(file, `it is not JSON (${(error as Error).message})`, warn);
  }
  const envelope = z.object({ version: z.literal(STATE_VERSION), services: z.array(z.unknown()) }).safeParse(document);
  if (!envelope.success) return setAside(file, `it is not a version ${STATE_VERSION} service list`, warn);
  const records: PersistedService[] = [];
  for (const [index, entry] of envelope.data.services.entries()) {
    const parsed = persistedService.safeParse(entry);
    if (parsed.success) records.push(parsed.data);
    else warn(`${file}: entry ${index} skipped: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  }
  return records;
}

/** Writes `services.json` atomically (temporary file, fsync, rename), owner-only. */
export function saveState(file: string, records: PersistedService[]): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(temporary, 'w', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify({ version: STATE_VERSION, services: records }, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
}

function setAside(file: string, why: string, warn: (message: string) => void): [] {
  const aside = `${file}.unreadable-${Date.now()}`;
  try {
    fs.renameSync(file, aside);
    warn(`${file} was set aside as ${path.basename(aside)}: ${why}`);
  } catch (error) {
    warn(`${file} is ignored (${why}) and could not be set aside: ${(error as Error).message}`);
  }
  return [];
}
