/** The plan before a run, made by the workspace's runtime: `pipewright plan FILE --pipeline P --json` (see panelPlan.ts). */
import type { PipelinePlan } from '../../runtime/src/model/plan';
import type { CommandDeps } from './commands';
import { lastJsonLine, runCli } from './cli';
import type { PlanHost } from './panelPlan';
import { readSettings } from './settings';

export function planHost(deps: Pick<CommandDeps, 'log' | 'analysisServer' | 'runtime' | 'workspaceFolder' | 'nodeExecutable'>): PlanHost {
  return {
    log: deps.log,
    unavailable: () => {
      if (!deps.runtime) return 'no pipewright runtime in the workspace';
      // The plan reads this machine's store; a remote orchestrator's cache is elsewhere.
      if (readSettings().mode === 'remote') return 'runs go to a remote orchestrator';
      return undefined;
    },
    definitions: async () => (deps.analysisServer ? deps.analysisServer.definitions() : []),
    plan: async (file, pipeline, signal) => {
      const runtime = deps.runtime;
      if (!runtime) throw new Error('no pipewright runtime in the workspace');
      const result = await runCli(runtime.cli, ['plan', file, '--pipeline', pipeline, '--json'], deps.workspaceFolder, { signal, node: deps.nodeExecutable().command });
      const plan = lastJsonLine<PipelinePlan>(result.stdout);
      if (result.code !== 0 || !plan) throw new Error(result.stderr.trim().split('\n').at(-1) || `pipewright plan exited ${result.code}`);
      const steps = plan.steps.map(({ id, step, action, reason, detail, unlessUnchanged }) => ({ id, step, action, ...(reason === undefined ? {} : { reason }), ...(detail === undefined ? {} : { detail }), ...(unlessUnchanged === undefined ? {} : { unlessUnchanged }) }));
      // An older runtime's plan has no code hashes: the code is then not compared for drift.
      const codeHashes = plan.steps.every((planned) => typeof planned.codeHash === 'string') ? new Map(plan.steps.map((planned) => [planned.id, planned.codeHash])) : undefined;
      return { steps, codeHashes };
    },
  };
}
