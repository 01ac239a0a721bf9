import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StepPrediction } from '../../engine/planPrediction';
import { planFileRequest, planPipelineFile, type PipelinePlan } from '../../launch/planPipelineFile';
import { UsageError } from '../errors';
import { collect, parseParams } from '../paramFlags';
import { alignColumns } from '../table';

interface PlanFlags {
  pipeline?: string;
  step?: string;
  param: string[];
  config?: string;
  cache?: boolean;
  json?: boolean;
}

/** `pipewright plan FILE`: what a run started now would do with each step (reuse or run, and why), running none. */
export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('show what a run would do now, step by step: reuse a cache entry, or run and why (runs no step)')
    .argument('<file>', 'pipeline file')
    .option('--pipeline <name>', 'pipeline to plan when the file defines several')
    .option('--step <name>', 'plan a run of only this step, with --param values as its inputs')
    .option('--param <key=value>', 'pipeline parameter, converted to its declared type (repeatable)', collect, [])
    .option('--config <file>', 'YAML run config (parameters, cache, per-step overrides)')
    .option('--no-cache', 'plan a run with caching disabled')
    .option('--json', 'print the plan as one JSON object')
    .action(async (file: string, flags: PlanFlags, command: Command) => {
      if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`pipeline file not found: ${file}`);
      if (flags.step && flags.pipeline) throw new UsageError('--step and --pipeline cannot be combined');
      const store = command.optsWithGlobals<{ store?: string }>().store;
      const { param, cache, json: _json, ...given } = flags;
      const plan = await planPipelineFile(planFileRequest({ ...given, file, params: parseParams(param), noCache: cache === false, ...(store ? { storeDir: store } : {}) }));
      process.stdout.write(flags.json ? `${JSON.stringify(planJson(plan))}\n` : `${planText(plan)}\n`);
    });
}

function planJson(plan: PipelinePlan) {
  return { ...plan, summary: planCounts(plan) };
}

function planCounts(plan: PipelinePlan): { reuse: number; run: number } {
  const reuse = plan.steps.filter((step) => step.action === 'reuse').length;
  return { reuse, run: plan.steps.length - reuse };
}

/** One line per invocation (`reuse`, `run: code changed (since run …)`), then the counts. */
export function planText(plan: PipelinePlan): string {
  const where = path.relative(process.cwd(), plan.storeDir) || '.';
  const header = `plan of ${plan.pipeline} (store ${where}${plan.storeFound ? '' : ', none yet'}):`;
  const rows = plan.steps.map((step) => [`  ${step.id}`, verdictText(step)]);
  const counts = planCounts(plan);
  return [header, ...alignColumns(rows), `${counts.reuse} to reuse, ${counts.run} to run`].join('\n');
}

export function verdictText(step: StepPrediction): string {
  if (step.action === 'reuse') return 'reuse';
  const unchanged = step.unlessUnchanged && Object.keys(step.unlessUnchanged);
  const notes = [
    step.detail,
    step.since && `since run ${step.since.runName}`,
    unchanged && `reused if the outputs of ${unchanged.join(', ')} come out unchanged`,
  ].filter((note) => note !== undefined && note !== '');
  return `run: ${step.reason}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}
