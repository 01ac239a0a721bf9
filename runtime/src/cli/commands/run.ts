import type { Command } from 'commander';
import * as fs from 'node:fs';
import { loadRunConfig, runOptionsFromConfig } from '../../config/runConfig';
import { runPipelineFile } from '../../launch/runPipelineFile';
import { EXECUTION_MODES, type ExecutionMode } from '../../model/status';
import type { RunOptions } from '../../sdk/options';
import { UsageError } from '../errors';
import { nextStepsLine } from '../nextSteps';
import { collect, runTargetOf } from '../paramFlags';
import { progressPrinter } from '../progress';
import { addOrchestratorOptions, ORCHESTRATOR_URL_ENV, remoteOrchestrator } from '../remoteOrchestrator';
import { runViaDaemon } from './runViaDaemon';

interface RunFlags {
  pipeline?: string;
  step?: string;
  param: string[];
  config?: string;
  detach?: boolean;
  json?: boolean;
  cache?: boolean;
  runName?: string;
  mode?: string;
  enforceTypeAnnotations?: boolean;
  maxParallel?: string;
  logs?: boolean;
  daemon?: boolean;
  from?: string;
  reuse?: string;
}

export function registerRunCommand(program: Command, exit: { code: number }): void {
  const run = program
    .command('run')
    .description('run a pipeline (or one step) from a TypeScript file')
    .argument('<file>', 'pipeline file')
    .option('--pipeline <name>', 'pipeline to run when the file defines several')
    .option('--step <name>', 'run only this step, with --param values as its inputs')
    .option('--from <step>', 'with --reuse: run this step (an invocation id) and everything downstream of it')
    .option('--reuse <run>', "with --from: take every other step's outputs from this run (id or name), and its parameters unless given")
    .option('--param <key=value>', 'pipeline parameter, converted to its declared type (repeatable)', collect, [])
    .option('--config <file>', 'YAML run config (parameters, run name, cache, mode, per-step overrides)')
    .option('--detach', 'return the run id at once and let the run continue in the background')
    .option('--json', 'print the run summary as one JSON object on the last line')
    .option('--no-cache', 'disable caching for this run')
    .option('--run-name <template>', 'run name template ({date}, {time}, {pipeline}, substitutions)')
    .option('--mode <mode>', `execution mode: ${EXECUTION_MODES.join(', ')}`)
    .option('--enforce-type-annotations', 'refuse to run steps that lack type annotations')
    .option('--max-parallel <n>', 'most steps executing at once')
    .option('--no-logs', 'do not echo step output')
    .option('--no-daemon', 'run in this process instead of the orchestrator daemon (no detach, ends with this command)');
  addOrchestratorOptions(run)
    .action(async (file: string, flags: RunFlags, command: Command) => {
      if (!fs.existsSync(file)) throw new UsageError(`pipeline file not found: ${file}`);
      const config = flags.config ? loadRunConfig(flags.config) : undefined;
      const options: RunOptions = { ...(config ? runOptionsFromConfig(config) : {}) };
      const store = command.optsWithGlobals<{ store?: string }>().store;
      if (store) options.storeDir = store;
      if (flags.cache === false) options.enableCache = false;
      if (flags.runName) options.runName = flags.runName;
      if (flags.mode) {
        if (!EXECUTION_MODES.includes(flags.mode as ExecutionMode)) throw new UsageError(`--mode ${flags.mode}: expected one of ${EXECUTION_MODES.join(', ')}`);
        options.executionMode = flags.mode as ExecutionMode;
      }
      if (flags.enforceTypeAnnotations) options.enforceTypeAnnotations = true;
      if (flags.maxParallel !== undefined) {
        const n = Number(flags.maxParallel);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--max-parallel ${flags.maxParallel}: expected a positive integer`);
        options.maxParallel = n;
      }
      if (flags.detach) options.detach = true;
      if (flags.step && flags.pipeline) throw new UsageError('--step and --pipeline cannot be combined');
      if ((flags.from === undefined) !== (flags.reuse === undefined)) throw new UsageError(`${flags.from === undefined ? '--reuse' : '--from'} needs ${flags.from === undefined ? '--from STEP (the step to run from)' : '--reuse RUN (the run whose outputs the other steps keep)'}`);
      if (flags.from !== undefined && flags.step) throw new UsageError('--from runs a pipeline from one of its steps; it cannot be combined with --step');
      if (flags.from !== undefined && flags.daemon === false) throw new UsageError('--from and --reuse need the orchestrator (the reused run is read there); they cannot be combined with --no-daemon');
      if (flags.daemon === false && command.opts<{ orchestrator?: string }>().orchestrator) throw new UsageError(`--no-daemon runs in this process; it cannot be combined with --orchestrator (or $${ORCHESTRATOR_URL_ENV})`);
      // Checked before bundling: a wrong URL or token fails at once, with nothing sent.
      const remote = flags.daemon === false ? undefined : await remoteOrchestrator(command);
      const write = (line: string) => (flags.json ? process.stderr : process.stdout).write(`${line}\n`);
      // Ctrl-C cancels the run cleanly (steps stopped, statuses recorded) instead of abandoning it.
      const interrupt = new AbortController();
      let interrupted = false;
      const onSignal = () => {
        interrupted = true;
        write('Interrupted: cancelling the run...');
        interrupt.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const target = runTargetOf(file, flags, config);
      const summary =
        flags.daemon === false
          ? await runPipelineFile({ ...target, signal: interrupt.signal, options, listener: flags.detach ? undefined : progressPrinter(write, flags.logs !== false) })
          : await runViaDaemon({
              ...target,
              options,
              detach: flags.detach === true,
              out: flags.json ? process.stderr : process.stdout,
              showLogs: flags.logs !== false,
              signal: interrupt.signal,
              orchestrator: remote?.client,
              ...(flags.from !== undefined && flags.reuse !== undefined ? { reuse: { run: flags.reuse, from: flags.from } } : {}),
            });
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else if (flags.detach) process.stdout.write(`${summary.runId}\n`);
      (flags.json || flags.detach ? process.stderr : process.stdout).write(`${nextStepsLine(summary, command)}\n`);
      exit.code = interrupted ? 130 : summary.status === 'completed' || summary.status === 'running' ? 0 : 1;
    });
}
