/**
 * Extension activation in a real workbench (code-server, as in the end-to-end suite): VS Code's
 * own activation figure for the packaged Pipewright extension, read from Developer: Show Running
 * Extensions, beside the figures VS Code shows for its built-in Git extensions, activated at
 * startup in the same window (the baseline; a do-nothing extension of ours is not listed there).
 * Also the time Pipewright's activate() itself logs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixtureWorkspace, e2eTools, repoRoot } from '../e2e/fixtureWorkspace';
import { installExtension, openWorkbench, runCommand } from '../e2e/workbench';
import type { BenchLine } from './engineBench';

const ROUNDS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function run(command: string, args: string[], cwd = repoRoot): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

export async function activationBench(): Promise<BenchLine[]> {
  const tools = e2eTools();
  run('npm', ['run', 'package']);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-activation-bench-'));
  try {
    const workspace = copyFixtureWorkspace(root);

    const pipewright: number[] = [];
    const git: number[] = [];
    const gitBase: number[] = [];
    const selfTimed: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const extensionsDir = path.join(root, `extensions-${round}`);
      const userDataDir = path.join(root, `user-data-${round}`);
      installExtension(tools, path.join(repoRoot, 'dist', 'pipewright.vsix'), extensionsDir, userDataDir);
      const workbench = await openWorkbench({ tools, workspace, extensionsDir, userDataDir, screenshots: path.join(root, 'screenshots'), viewport: { width: 1600, height: 3000 } }); // room for every row of the (virtual) Running Extensions list
      try {
        const { page } = workbench;
        await page.locator('.statusbar-item', { hasText: 'Pipewright:' }).first().waitFor({ timeout: 60_000 });
        await runCommand(page, 'Developer: Show Running Extensions');
        const activation = async (name: string) => {
          const row = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: name }).first();
          await row
            .locator('text=/Activation: \\d+ms/')
            .waitFor({ timeout: 60_000 })
            .catch(async (error: Error) => {
              throw new Error(`${error.message}\nRunning Extensions shows:\n${await page.locator('.runtime-extensions-editor').innerText().catch(() => '(nothing)')}`);
            });
          const text = await row.innerText();
          return Number(/Activation: (\d+)ms/.exec(text)?.[1]);
        };
        pipewright.push(await activation('Pipewright\n'));
        git.push(await activation('Git\n'));
        gitBase.push(await activation('Git Base\n'));
        const logged = /activated in ([\d.]+) ms/.exec(workbench.extensionLog());
        if (logged) selfTimed.push(Number(logged[1]));
      } finally {
        await workbench.close();
      }
    }
    return [
      {
        name: `extension activation in code-server 4.139 (VS Code's own figure, median of ${ROUNDS} workbench starts)`,
        value: `${median(pipewright)} ms (rounds: ${pipewright.join(', ')} ms); activate() itself logged ${selfTimed.map((t) => `${t} ms`).join(', ')}`,
        baseline: `VS Code's figures for its built-in extensions activated at startup in the same windows: Git ${median(git)} ms (rounds: ${git.join(', ')}), Git Base ${median(gitBase)} ms (rounds: ${gitBase.join(', ')})`,
        target: '< 100 ms of extension-host time',
      },
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
