import type { Command } from 'commander';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { isPlainJson } from '../../artifacts/structured';
import type { ArtifactRef } from '../../model/artifactRef';
import type { AttemptError } from '../../model/attemptError';
import type { DebugInspectorLine, DebugOutputView, DebugResultLine } from '../../model/debugLines';
import { DebugSession } from '../../launch/debugSession';
import { debugTargetOf, type DebugTarget, type HandInput } from '../../launch/debugTarget';
import type { InspectorEndpoint } from '../../launch/inspectorBanner';
import type { RunStore } from '../../store/runStore';
import { writeErrorBlock } from '../errorText';
import { UsageError } from '../errors';
import { formatBytes, hashPrefix } from '../format';
import { toJsonView } from '../jsonView';
import { collect } from '../paramFlags';
import { findRunOrFail, openStoreFor } from '../storeAccess';

interface DebugFlags {
  input: string[];
  commit?: boolean;
  port: string;
  json?: boolean;
}

/** Why `--commit` is refused (README: `pipewright debug`). */
const COMMIT_REFUSED =
  '--commit: a debugging session\'s outputs are not committed to a run: under a debugger the step may have been paused past its timeouts, had variables changed or code evaluated in its frames, so what it returns is no record of what the step computes. Re-run the step to record its outputs: pipewright runs retry RUN --step STEP';

/**
 * `pipewright debug RUN STEP`: executes one step of a past run again, in a runner with Node's
 * inspector on (loopback only), with the inputs that run gave it (or some given by hand), and
 * prints where to attach, then the step's outputs. With `--json`, stdout has one JSON object per
 * line: `{ type: "inspector", ... }` once it listens, `{ type: "result", ... }` at the end.
 */
export function registerDebugCommand(program: Command, exit: { code: number }): void {
  program
    .command('debug')
    .description("run one step of a past run again under the Node inspector, with that run's inputs; shows its outputs (commits nothing)")
    .argument('<run>', 'run id, id prefix or run name')
    .argument('<step>', 'invocation id of the step in that run')
    .option('--input <name=file.json>', 'give input NAME from a JSON file instead of the run (repeatable)', collect, [])
    .option('--port <n>', 'inspector port on 127.0.0.1 (0: any free port)', '0')
    .option('--commit', 'refused: see the README')
    .option('--json', 'print one JSON object per line (inspector, then result); the step\'s output goes to stderr')
    .action(async (idOrName: string, invocationId: string, flags: DebugFlags, command: Command) => {
      if (flags.commit) throw new UsageError(COMMIT_REFUSED);
      const port = parsePort(flags.port);
      const handInputs = flags.input.map(parseHandInput);
      const store = await openStoreFor(command);
      try {
        const run = await findRunOrFail(store, idOrName);
        const target = await debugTargetOf(store, run, invocationId, handInputs);
        const say = (text: string) => (flags.json ? process.stderr : process.stdout).write(text);
        if (!flags.json) say(introText(target));
        const session = new DebugSession(target, {
          port,
          onInspector: (endpoint) => {
            if (flags.json) process.stdout.write(`${JSON.stringify(inspectorJson(target, endpoint))}\n`);
            else say(inspectorText(endpoint));
          },
          onLog: (stream, text) => (flags.json || stream === 'stderr' ? process.stderr : process.stdout).write(text),
        });
        // Ctrl-C, or the editor ending its session, ends the runner; what the step already returned is still shown.
        const stop = () => void session.stop();
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        try {
          let outcome;
          try {
            outcome = await session.run();
          } catch (error) {
            // Stopped before the runner was ready: its start-up failing is the stop, not an error.
            if (!session.wasStopped) throw error;
          }
          if (session.wasStopped || !outcome) {
            say('debug session stopped before the step returned\n');
            if (flags.json) writeResult({ type: 'result', status: 'stopped' });
            exit.code = 1;
          } else if (!outcome.ok) {
            if (flags.json) writeResult({ type: 'result', status: 'failed', error: withoutTaskFields(outcome.error) });
            else writeErrorBlock(say, `step "${target.node.id}" failed`, outcome.error, '  ');
            exit.code = 1;
          } else {
            const outputs = await outputViews(store, outcome.outputs);
            if (flags.json) writeResult({ type: 'result', status: 'completed', outputs });
            else say(outputsText(target, outputs));
          }
        } finally {
          process.removeListener('SIGINT', stop);
          process.removeListener('SIGTERM', stop);
        }
      } finally {
        await store.close();
      }
    });
}

function writeResult(line: DebugResultLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || (port !== 0 && (port < 1024 || port > 65535))) throw new UsageError(`--port ${text}: expected 0 (any free port) or a port from 1024 to 65535`);
  return port;
}

function parseHandInput(pair: string): HandInput {
  const eq = pair.indexOf('=');
  if (eq <= 0 || eq === pair.length - 1) throw new UsageError(`--input ${pair}: expected NAME=FILE.json`);
  return { name: pair.slice(0, eq), file: path.resolve(pair.slice(eq + 1)) };
}

function codeText(target: DebugTarget): string {
  return `the code run ${target.run.name} ran (bundle ${hashPrefix(target.bundle.hash)}, ${target.bundle.path})`;
}

function introText(target: DebugTarget): string {
  const lines = [`debugging step "${target.node.id}" (${target.node.step}) of run ${target.run.name} (${target.run.id})`, `  code: ${codeText(target)}`];
  if (target.source?.changedSinceRun) {
    lines.push(`  note: ${target.source.file} changed since the run: the debugger shows the file as it is now, and breakpoints bind to the lines as they were when it ran`);
  }
  for (const [name, source] of Object.entries(target.inputSources)) lines.push(`  input ${name} ← ${source}`);
  return `${lines.join('\n')}\n`;
}

function inspectorText(endpoint: InspectorEndpoint): string {
  return `inspector: ${endpoint.url}\n  attach a debugger to 127.0.0.1:${endpoint.port} (VS Code: Debug Step, or a "node" attach configuration; Chrome: ${endpoint.devtoolsUrl}): the step waits for it\n`;
}

function inspectorJson(target: DebugTarget, endpoint: InspectorEndpoint): DebugInspectorLine {
  return {
    type: 'inspector',
    ...endpoint,
    runId: target.run.id,
    runName: target.run.name,
    invocationId: target.node.id,
    step: target.node.step,
    bundle: target.bundle,
    ...(target.source ? { source: target.source } : {}),
    inputs: target.inputSources,
  };
}

async function outputViews(store: RunStore, refs: Record<string, ArtifactRef>): Promise<DebugOutputView[]> {
  const views: DebugOutputView[] = [];
  for (const [name, ref] of Object.entries(refs)) {
    const view: DebugOutputView = { name, type: ref.typeName, materializer: ref.materializer, size: ref.size, hash: ref.hash };
    try {
      view.value = toJsonView(await store.artifacts.get(ref, `output "${name}"`));
    } catch {
      // A custom materializer lives in the pipeline's code, which the CLI does not run: the ref alone is shown.
    }
    views.push(view);
  }
  return views;
}

function outputsText(target: DebugTarget, outputs: DebugOutputView[]): string {
  const lines = [`step "${target.node.id}" returned (not committed to run ${target.run.name}):`];
  for (const output of outputs) {
    const shown = output.value === undefined ? '(custom materializer: no view here)' : preview(output.value);
    lines.push(`  ${output.name}  ${output.type}  ${formatBytes(output.size)}  ${hashPrefix(output.hash)}  ${shown}`);
  }
  return `${lines.join('\n')}\n`;
}

function preview(value: unknown, max = 2000): string {
  const text = isPlainJson(value) ? JSON.stringify(value) : inspect(value, { breakLength: Infinity, depth: 4 });
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function withoutTaskFields(error: AttemptError & { retryable?: boolean; lost?: boolean }): AttemptError {
  const { retryable: _retryable, lost: _lost, ...rest } = error;
  return rest;
}
