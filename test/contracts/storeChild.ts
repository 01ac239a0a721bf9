// A child process of the RunStore contract: opens a store (through the module an implementation's
// test names), claims it for the daemon with its own pid, prints the answer (the owner's pid, or
// null when this process won) and, with `stay`, lives until its stdin ends.
import type { RunStore } from '../../runtime/src/store/runStore';

async function main(): Promise<void> {
  const [mode, module, ...args] = process.argv.slice(2);
  const { openStore } = (await import(module)) as { openStore(...args: string[]): Promise<RunStore> };
  const store = await openStore(...args);
  const owner = await store.claimDaemon(process.pid);
  process.stdout.write(`${JSON.stringify(owner ?? null)}\n`);
  if (mode === 'stay') {
    process.stdin.resume();
    await new Promise((resolve) => process.stdin.once('end', resolve));
  }
  await store.close();
}

void main().then(() => process.exit(0));
