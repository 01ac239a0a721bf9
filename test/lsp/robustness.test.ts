/**
 * Thousands of random truncations and edits of the fixtures, fed through the real server: it must
 * never crash (the process stays up, stderr stays free of stack traces) nor hang (every request
 * answers within a deadline), and once the text is whole again its analysis must be right again.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { fixture } from '../support/tempDir';
import { LspClient, uriOf } from './lspClient';

const FIXTURES = [
  fixture('analysis', 'dag', 'features.ts'),
  fixture('analysis', 'dag', 'steps.ts'),
  fixture('analysis', 'diagnostics', 'wiring.ts'),
  fixture('analysis', 'diagnostics', 'body.ts'),
  fixture('pipelines', 'basics.ts'),
  fixture('pipelines', 'composition.ts'),
];
const EDITS_PER_FIXTURE = 400;
/** Every REQUEST_EVERY-th edit is followed by a request, which makes the server analyse that text now. */
const REQUEST_EVERY = 3;
const REQUEST_DEADLINE_MS = 10_000;
const NOISE = ['(', ')', '{', '}', '[', ']', "'", '"', '`', ';', ',', '.', '=>', 'step(', 'pipeline(', '.with({ id: ', 'after: [', 'await ', '\n', '/*'];

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function mutate(source: string, next: () => number): string {
  const at = Math.floor(next() * source.length);
  const kind = next();
  if (kind < 0.4) return source.slice(0, at); // truncation, as while typing at the end
  if (kind < 0.7) return source.slice(0, at) + source.slice(at + 1 + Math.floor(next() * 40)); // a deletion
  const noise = NOISE[Math.floor(next() * NOISE.length)];
  return source.slice(0, at) + noise + source.slice(at); // an insertion
}

function withDeadline<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the server did not answer ${what} within ${REQUEST_DEADLINE_MS} ms (hung)`)), REQUEST_DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

describe('robustness', () => {
  it(`survives ${FIXTURES.length * EDITS_PER_FIXTURE} random truncations and edits without crashing or hanging`, async () => {
    const client = new LspClient('stdio');
    const started = Date.now();
    let requests = 0;
    try {
      await client.initialize(fixture('analysis'));
      const requestKinds = ['textDocument/codeAction', 'textDocument/codeLens', 'pipewright/listPipelines', 'textDocument/hover'] as const;
      for (const [index, file] of FIXTURES.entries()) {
        const source = fs.readFileSync(file, 'utf8');
        const next = random(1000 + index);
        await client.open(file, source);
        for (let version = 2; version < 2 + EDITS_PER_FIXTURE; version++) {
          await client.change(file, mutate(source, next), version);
          if (version % REQUEST_EVERY !== 0) continue;
          const method = requestKinds[requests++ % requestKinds.length];
          const params =
            method === 'pipewright/listPipelines'
              ? { uri: uriOf(file) }
              : method === 'textDocument/hover'
                ? { textDocument: { uri: uriOf(file) }, position: { line: Math.floor(next() * 40), character: Math.floor(next() * 30) } }
                : method === 'textDocument/codeAction'
                  ? { textDocument: { uri: uriOf(file) }, range: { start: { line: 0, character: 0 }, end: { line: 60, character: 0 } }, context: { diagnostics: [], only: ['quickfix', 'source.fixAll'] } }
                  : { textDocument: { uri: uriOf(file) } };
          await withDeadline(`${method} after edit ${version} of ${file}`, client.connection.sendRequest(method, params));
          assert.equal(client.process.exitCode, null, 'the server is still running');
        }
        // Whole again: the analysis must be what it was before the noise.
        await client.change(file, source, 10_000);
        const pipelines = await withDeadline('listPipelines', client.connection.sendRequest<{ pipeline: string }[]>('pipewright/listPipelines', { uri: uriOf(file) }));
        const expected = (source.match(/export const (\w+) = (?:makePipeline|pw\.pipeline|definePipeline|pipeline)\(/g) ?? []).length;
        assert.equal(pipelines.length, expected, `${file}: all pipelines found again`);
        await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(file) } });
      }
      assert.equal(client.process.exitCode, null, 'the server is still running');
      assert.deepEqual(client.failures(), [], 'no failures were logged');
    } finally {
      await client.stop();
    }
    process.stdout.write(`# ${FIXTURES.length * EDITS_PER_FIXTURE} edits, ${requests} requests in ${Date.now() - started} ms\n`);
  });
});
