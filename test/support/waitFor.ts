import * as fs from 'node:fs';

/** Polls `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Polls `check` for `ms` and fails as soon as it is false: a state that must hold throughout. */
export async function holdsFor(what: string, ms: number, check: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (!check()) throw new Error(`${what} stopped holding ${ms - (until - Date.now())} ms into ${ms} ms`);
    if (Date.now() > until) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function readPid(file: string): number | undefined {
  return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) || undefined : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls the asynchronous `check` until it resolves to a value (not undefined/false) or the deadline passes. */
export async function waitForAsync<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
