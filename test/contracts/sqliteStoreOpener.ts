// A child process of the concurrent-open test: says it is ready, reads a start time from stdin,
// then opens the stores `folders` (one per round, each round RACE_ROUND_MS after the one before)
// at that time, as daemons and CLIs started at once do, and reports each open as a JSON line.
import { openRunStore } from '../../runtime/src/store/openRunStore';

export const RACE_ROUND_MS = 150;

async function main(folders: string[]): Promise<void> {
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  const start = await new Promise<number>((resolve) => process.stdin.once('data', (data) => resolve(Number(String(data).trim()))));
  for (const [round, folder] of folders.entries()) {
    const at = start + round * RACE_ROUND_MS;
    while (Date.now() < at); // the same moment in every process: a wait of a few ms, on purpose
    try {
      await (await openRunStore(folder, 'readWrite')).close();
      process.stdout.write(`${JSON.stringify({ round, ok: true })}\n`);
    } catch (error) {
      process.stdout.write(`${JSON.stringify({ round, error: (error as Error).message, stack: (error as Error).stack })}\n`);
    }
  }
}

if (require.main === module) void main(process.argv.slice(2));
