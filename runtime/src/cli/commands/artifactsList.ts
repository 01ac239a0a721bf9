import type { Command } from 'commander';
import { runContents } from '../../store/runContents';
import type { OutputSummary } from '../../model/runSummary';
import { UsageError } from '../errors';
import { formatBytes, hashPrefix } from '../format';
import { addOrchestratorOptions } from '../remoteOrchestrator';
import { findRunOrFail, withRunSource } from '../storeAccess';
import { formatTable } from '../table';

interface RunOutputs {
  runName: string;
  steps: string[];
  outputs: Record<string, OutputSummary[]>;
}

/** `pipewright artifacts list RUN [STEP]`: every committed output of every step (or of one step). */
export function registerArtifactsList(artifacts: Command): void {
  addOrchestratorOptions(
    artifacts
      .command('list')
      .description('list the committed outputs of a run (or of one step): step, output, type, materializer, size, hash')
      .argument('<run>', 'run id, id prefix or run name')
      .argument('[step]', 'invocation id (default: every step)')
      .option('--json', 'print them as one JSON array of { step, output, type, materializer, size, hash }'),
  ).action(async (idOrName: string, invocationId: string | undefined, flags: { json?: boolean }, command: Command) => {
    const run = await withRunSource<RunOutputs>(
      command,
      async (client) => {
        const detail = await client.getRun({ run: idOrName });
        return { runName: detail.runName, steps: detail.steps.map((s) => s.id), outputs: detail.outputs ?? {} };
      },
      async (store) => {
        const run = await findRunOrFail(store, idOrName);
        return { runName: run.name, steps: (await store.getSteps(run.id)).map((s) => s.invocationId), outputs: (await runContents(store, run.id)).outputs };
      },
    );
    if (invocationId !== undefined && !run.steps.includes(invocationId)) throw new UsageError(`run ${run.runName} has no step "${invocationId}" (steps: ${run.steps.join(', ')})`);
    const entries = run.steps
      .filter((step) => invocationId === undefined || step === invocationId)
      .flatMap((step) => (run.outputs[step] ?? []).map((o) => ({ step, output: o.name, type: o.type, materializer: o.materializer, size: o.size, hash: o.hash })));
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(entries)}\n`);
      return;
    }
    if (entries.length === 0) {
      process.stdout.write(invocationId === undefined ? `run ${run.runName} has no committed outputs\n` : `step "${invocationId}" of run ${run.runName} has no committed outputs\n`);
      return;
    }
    const rows = entries.map((e) => [e.step, e.output, e.type, e.materializer, formatBytes(e.size), hashPrefix(e.hash)]);
    process.stdout.write(`${formatTable(['STEP', 'OUTPUT', 'TYPE', 'MATERIALIZER', 'SIZE', 'HASH'], rows, [4])}\n`);
  });
}
