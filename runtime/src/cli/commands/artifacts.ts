import type { Command } from 'commander';
import * as fs from 'node:fs';
import { getMaterializer } from '../../artifacts/materializers';
import { UsageError } from '../errors';
import { toJsonView } from '../jsonView';
import { registerArtifactsList } from './artifactsList';
import { findRunOrFail, openStoreFor } from '../storeAccess';

export function registerArtifactCommands(program: Command): void {
  const artifacts = program.command('artifacts').description('read step outputs of past runs');
  registerArtifactsList(artifacts);
  artifacts
    .command('get')
    .description('print (or save) one output: RUN STEP[.OUTPUT]')
    .argument('<run>', 'run id, id prefix or run name')
    .argument('<step>', 'invocation id, optionally followed by .OUTPUT (default output: "output")')
    .option('--out <file>', 'write the stored bytes to a file instead of printing')
    .option('--json', 'print the value as JSON (structured values in their tagged encoding)')
    .action(async (idOrName: string, stepArg: string, flags: { out?: string; json?: boolean }, command: Command) => {
      const store = await openStoreFor(command);
      try {
        const run = await findRunOrFail(store, idOrName);
        const dot = stepArg.lastIndexOf('.');
        const [invocationId, output] = dot > 0 ? [stepArg.slice(0, dot), stepArg.slice(dot + 1)] : [stepArg, 'output'];
        const steps = (await store.getSteps(run.id)).map((s) => s.invocationId);
        if (!steps.includes(invocationId)) throw new UsageError(`run ${run.name} has no step "${invocationId}" (steps: ${steps.join(', ')})`);
        const outputs = await store.getOutputs(run.id, invocationId);
        const ref = await store.outputOf(run.id, invocationId, output);
        if (!ref) {
          const known = Object.keys(outputs);
          throw new UsageError(
            known.length === 0 ? `step "${invocationId}" of run ${run.name} has no committed outputs` : `step "${invocationId}" has no output "${output}" (outputs: ${known.join(', ')})`,
          );
        }
        if (flags.out) {
          // Verified bytes, owner-only like the store's own copy: outputs may be anything the pipeline computed.
          fs.writeFileSync(flags.out, await store.artifacts.getBytes(ref), { mode: 0o600 });
          process.stdout.write(`${flags.out}\n`);
          return;
        }
        try {
          getMaterializer(ref.materializer);
        } catch {
          // Custom materializers live in the pipeline's code, which the CLI does not run.
          throw new UsageError(
            `output "${output}" of step "${invocationId}" was stored by the custom materializer "${ref.materializer}", which only the pipeline's code can load; save its bytes with --out FILE`,
          );
        }
        const value = await store.artifacts.get(ref, `output "${output}" of step "${invocationId}" in run ${run.name} (${run.id})`);
        if (flags.json || typeof value !== 'string') {
          process.stdout.write(`${JSON.stringify(toJsonView(value))}\n`);
        } else {
          process.stdout.write(value.endsWith('\n') ? value : `${value}\n`);
        }
      } finally {
        await store.close();
      }
    });
}
