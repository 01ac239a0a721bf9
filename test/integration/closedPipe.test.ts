import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cli, lastJson } from '../support/cli';
import { repoRoot, tempProject } from '../support/tempDir';

const CHATTY = `
import { step, pipeline } from 'pipewright';
export const chatter = step(function chatter(lines: number): number {
  for (let i = 0; i < lines; i++) console.log(\`line \${i} \${'x'.repeat(80)}\`);
  return lines;
});
export const chatty = pipeline(function chatty(lines: number) { chatter(lines); });
`;

describe('the CLI when its reader goes away', () => {
  it('`pipewright logs RUN | head -1` prints one line and exits 0, with nothing on stderr', async () => {
    const dir = tempProject();
    fs.writeFileSync(path.join(dir, 'chatty.ts'), CHATTY);
    // Far more than a pipe buffer holds, so the CLI is still writing when head has gone.
    const run = await cli(['run', 'chatty.ts', '--no-daemon', '--no-logs', '--param', 'lines=5000', '--json'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const { runId } = lastJson<{ runId: string }>(run);
    const stderrFile = path.join(dir, 'cli.stderr');
    const bin = path.join(repoRoot, 'runtime', 'bin', 'pipewright.js');
    const piped = spawnSync('bash', ['-c', 'set -o pipefail; "$NODE" "$BIN" logs "$RUN" chatter 2>"$ERR" | head -1'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NODE: process.execPath, BIN: bin, RUN: runId, ERR: stderrFile },
    });
    assert.equal(piped.stdout, `line 0 ${'x'.repeat(80)}\n`);
    assert.equal(fs.readFileSync(stderrFile, 'utf8'), '', 'the CLI says nothing about the closed pipe');
    assert.equal(piped.status, 0, 'the pipeline (pipefail) succeeds: the CLI exited 0');
  });
});
