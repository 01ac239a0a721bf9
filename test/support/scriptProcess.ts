import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { waitFor } from './waitFor';

/** A TypeScript script run as a real child process (through tsx) that reports JSON lines on stdout. */
export interface ScriptProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every JSON line it has written so far. */
  readonly events: Record<string, unknown>[];
  /** The first event (from `from` on) for which `match` holds; waits for it. */
  next(what: string, match: (event: Record<string, unknown>) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<Record<string, unknown>>;
  readonly stderr: () => string;
  /** Resolves with the exit code (or signal) once it exits. */
  readonly exited: Promise<number | string>;
}

/** Starts `script` with `args`; it is SIGKILLed (after a SIGCONT) when the test file ends if still running. */
export function startScript(script: string, args: string[], env: NodeJS.ProcessEnv = {}): ScriptProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const events: Record<string, unknown>[] = [];
  let pending = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let running = true;
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      running = false;
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  after(() => {
    if (!running) return;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  });
  return {
    child,
    pid: child.pid!,
    events,
    stderr: () => stderr,
    exited,
    next: (what, match, options = {}) =>
      waitFor(
        `${what} (events so far: ${JSON.stringify(events)}; stderr: ${stderr.slice(-2000)})`,
        () => events.slice(options.from ?? 0).find(match),
        options.timeoutMs,
      ),
  };
}
