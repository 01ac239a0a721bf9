import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { LaunchPlan } from './serviceSpec';
import { ENV } from '../model/environment';

/** Variables of the daemon a service must not inherit (they would hand it the daemon's credentials). */
const PRIVATE_VARIABLES = [ENV.serverToken, ENV.runnerConfig];

/** A started process, or why none could be started. */
export type LaunchResult = { child: ChildProcess; pid: number } | { error: string };

/**
 * Spawns a plan detached, in its own process group (so stopping it reaches its children too),
 * with stdout and stderr appended to `logFile`. Resolves once the process exists or has failed to.
 */
export async function launchProcess(plan: LaunchPlan, logFile: string): Promise<LaunchResult> {
  if (plan.cwd !== undefined) {
    let isDirectory = false;
    try {
      isDirectory = fs.statSync(plan.cwd).isDirectory();
    } catch {
      // Reported below.
    }
    if (!isDirectory) return { error: `working directory ${plan.cwd} does not exist` };
  }
  let log: number;
  try {
    log = fs.openSync(logFile, 'a', 0o600);
  } catch (error) {
    return { error: `cannot open ${logFile}: ${(error as Error).message}` };
  }
  try {
    const env = { ...process.env };
    for (const name of PRIVATE_VARIABLES) delete env[name];
    const child = spawn(plan.command, plan.args, { cwd: plan.cwd, env: { ...env, ...plan.env }, detached: true, stdio: ['ignore', log, log] });
    return await new Promise<LaunchResult>((resolve) => {
      child.once('spawn', () => {
        child.unref();
        resolve({ child, pid: child.pid as number });
      });
      // `on`, not `once`: a later 'error' without a listener would crash the daemon.
      child.on('error', (error) => resolve({ error: `cannot run ${JSON.stringify(plan.command)}: ${error.message}` }));
    });
  } catch (error) {
    return { error: `cannot run ${JSON.stringify(plan.command)}: ${(error as Error).message}` };
  } finally {
    fs.closeSync(log);
  }
}
