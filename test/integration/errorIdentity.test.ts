// Errors are told by their codes, never by their messages or class names: a failure keeps its
// HTTP status and exit code whatever its message says, and a submitted run that fails because
// of its code (the user's fault) is told apart from one the daemon could not take (its fault).
// Real daemons, real HTTP on loopback, real CLI processes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { answerStatus } from '../../runtime/src/api/client';
import { connectDaemon, startDaemon } from '../../runtime/src/api/daemonControl';
import { daemonFiles } from '../../runtime/src/api/daemonFiles';
import { UnprocessableError } from '../../runtime/src/model/errorCodes';
import { bundlePipelineFile } from '../../runtime/src/prepare/bundle';
import { cli } from '../support/cli';
import { env } from '../support/cliWorkflow';
import { fixture, tempDir, tempProject } from '../support/tempDir';

/** Words that once decided a status when messages were matched; here they are only words. */
const MISLEADING = 'internal error: 404 not found, unauthorized, disk full (ENOSPC), not valid JSON, still running, nothing to retry';

async function post(url: string, token: string, body: unknown): Promise<{ status: number; body: { error?: string; code?: string } }> {
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { error?: string; code?: string } };
}

describe('errors by identity', () => {
  it("a submit failure that is the submitted code's fault answers 422, one that is the daemon's answers 500 (the CLI exits 2 and 1)", async () => {
    const dir = tempDir();
    const store = path.join(dir, 'store');
    await startDaemon(store);
    const client = await connectDaemon(store);
    const token = fs.readFileSync(daemonFiles(store).token, 'utf8');
    const bundle = fs.readFileSync((await bundlePipelineFile(fixture('pipelines', 'basics.ts'), path.join(dir, 'author'))).path, 'utf8');
    const runs = `${client.baseUrl}/v1/runs`;

    const userFault = await post(runs, token, { file: 'x.ts', target: { kind: 'pipeline', name: 'p' }, bundle: 'throw new Error("bad bundle")' });
    assert.deepEqual([userFault.status, userFault.body.code], [422, 'unprocessable'], userFault.body.error);

    // The daemon cannot keep bundles: its bundle folder is a file now. Nothing the request did.
    const bundles = path.join(store, 'bundles');
    fs.rmSync(bundles, { recursive: true, force: true });
    fs.writeFileSync(bundles, 'not a folder');
    try {
      const daemonFault = await post(runs, token, { file: 'basics.ts', target: { kind: 'pipeline', name: 'basics' }, parameters: { count: 2 }, bundle });
      assert.deepEqual([daemonFault.status, daemonFault.body.code], [500, 'internal'], daemonFault.body.error);
      assert.match(daemonFault.body.error ?? '', /^internal error: /);

      // The CLI, bundling on its own side and submitting to this daemon, exits 1: not the user's fault.
      const cwd = tempDir();
      const remote = await cli(['run', fixture('pipelines', 'basics.ts'), '--param', 'count=2', '--orchestrator', client.baseUrl], { cwd, env: { ...env, PIPEWRIGHT_ORCHESTRATOR_TOKEN: token } });
      assert.equal(remote.code, 1, remote.stderr);
    } finally {
      fs.rmSync(bundles, { force: true });
    }
  });

  it('a coded error with a misleading message keeps its status and exit code: API, CLI through the daemon, CLI in-process', async () => {
    const project = tempProject();
    const file = path.join(project, 'misleading.ts');
    fs.writeFileSync(file, `import { pipeline } from 'pipewright';\nexport const misleading = pipeline(function misleading() { throw new Error(${JSON.stringify(MISLEADING)}); });\n`);
    const store = path.join(project, '.pipewright');

    // Through the API: the answer's code rebuilds the daemon's class on this side.
    await startDaemon(store);
    const client = await connectDaemon(store);
    const bundle = fs.readFileSync((await bundlePipelineFile(file, store)).path, 'utf8');
    await assert.rejects(client.submitRun({ file, target: { kind: 'pipeline', name: 'misleading' }, bundle, workingDir: project, projectDir: project }), (error: unknown) => {
      assert.ok(error instanceof UnprocessableError, String(error));
      assert.equal(answerStatus(error), 422);
      assert.equal(error.code, 'unprocessable');
      assert.ok(error.message.includes(MISLEADING), error.message);
      return true;
    });

    // Through the CLI, with the daemon and without: bad pipeline code exits 2, its words untouched.
    for (const mode of [[], ['--no-daemon']]) {
      const result = await cli(['run', file, ...mode], { cwd: project, env });
      assert.equal(result.code, 2, `${mode.join(' ')}: ${result.stderr}`);
      assert.ok(result.stderr.includes(MISLEADING), result.stderr);
    }
  });
});
