import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { errorLines } from '../../../runtime/src/model/attemptError';
import { describeThrown, userStack } from '../../../runtime/src/runner/thrownError';
import { packageRoot } from '../../../runtime/src/system/packagePaths';

const own = (file: string) => path.join(packageRoot, file);

describe('describeThrown', () => {
  it('keeps an Error\'s name and whole message', () => {
    const described = describeThrown(new TypeError('first\nsecond\nthird'));
    assert.equal(described.name, 'TypeError');
    assert.equal(described.message, 'first\nsecond\nthird');
    assert.ok(described.stack?.startsWith('TypeError: first\nsecond\nthird\n    at '), described.stack);
    assert.equal(described.value, undefined);
  });

  it('describes a thrown non-Error by its kind and JSON form', () => {
    assert.deepEqual(describeThrown({ code: 42, reason: 'no' }), { name: 'object', message: '{"code":42,"reason":"no"}', value: { code: 42, reason: 'no' } });
    assert.deepEqual(describeThrown([1, 2]), { name: 'array', message: '[1,2]', value: [1, 2] });
    assert.deepEqual(describeThrown('oops'), { name: 'string', message: 'oops', value: 'oops' });
    assert.deepEqual(describeThrown(7), { name: 'number', message: '7', value: 7 });
    assert.deepEqual(describeThrown(null), { name: 'null', message: 'null', value: null });
    assert.deepEqual(describeThrown(undefined), { name: 'undefined', message: 'undefined' });
    assert.deepEqual(describeThrown({ big: 10n }), { name: 'object', message: '{"big":"10n"}', value: { big: '10n' } });
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    assert.deepEqual(describeThrown(circular).value, { a: 1, self: '[Circular]' });
  });
});

describe('causes', () => {
  it('follow the error, each with its frames, in the stored stack and in the lines shown', () => {
    const inner = new Error('connect ECONNREFUSED 127.0.0.1:9');
    const outer = new TypeError('fetch failed', { cause: inner });
    const described = describeThrown(outer);
    assert.equal(described.message, 'fetch failed');
    assert.match(described.stack ?? '', /^TypeError: fetch failed\n {4}at [^]*\nCaused by: Error: connect ECONNREFUSED 127\.0\.0\.1:9\n {4}at /);
    const lines = errorLines(described);
    assert.equal(lines[0], 'TypeError: fetch failed');
    assert.ok(lines.includes('Caused by: Error: connect ECONNREFUSED 127.0.0.1:9'), lines.join('\n'));
    assert.ok(lines.filter((line) => line.startsWith('  at ')).length >= 2);
  });

  it('of a non-Error value, and cycles, stop', () => {
    const described = describeThrown(new Error('wrapped', { cause: { code: 7 } }));
    assert.match(described.stack ?? '', /\nCaused by: object: \{"code":7\}$/);
    const loop = new Error('loop');
    loop.cause = loop;
    assert.equal((describeThrown(loop).stack ?? '').split('Caused by: ').length - 1, 5);
  });
});

describe('userStack', () => {
  it('keeps the user\'s frames and leaves out the runtime that called them', () => {
    const stack = [
      'Error: boom',
      'second line',
      `    at helper (/project/lib.ts:2:9)`,
      `    at Object.fit (/project/pipeline.ts:12:3)`,
      `    at withStepContext (${own('src/sdk/context.ts')}:30:5)`,
      `    at TaskRunner.execute (${own('dist/runner.js')}:900:1)`,
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ].join('\n');
    assert.equal(userStack(stack), ['Error: boom', 'second line', '    at helper (/project/lib.ts:2:9)', '    at Object.fit (/project/pipeline.ts:12:3)'].join('\n'));
  });

  it('drops the runtime frames an error started in, and has nothing when no frame is the user\'s', () => {
    const inside = ['Error: bad', `    at check (${own('dist/runner.js')}:1:1)`, '    at fit (/project/pipeline.ts:4:1)', `    at run (${own('dist/runner.js')}:2:2)`].join('\n');
    assert.equal(userStack(inside), 'Error: bad\n    at fit (/project/pipeline.ts:4:1)');
    assert.equal(userStack(['Error: bad', `    at check (${own('dist/runner.js')}:1:1)`].join('\n')), undefined);
    const wrapped = ['Error: cacheKey threw', `    at wrap (${own('dist/runner.js')}:1:1)`, '    at process.emit (node:events:524:28)', '    at emit (node:internal/child_process:950:14)'].join('\n');
    assert.equal(userStack(wrapped), undefined);
    const inNode = ['Error: ENOENT', '    at Object.openSync (node:fs:573:18)', '    at load (/project/pipeline.ts:9:3)', `    at run (${own('dist/runner.js')}:2:2)`].join('\n');
    assert.equal(userStack(inNode), 'Error: ENOENT\n    at Object.openSync (node:fs:573:18)\n    at load (/project/pipeline.ts:9:3)');
  });

  it('takes a dependency installed under the package\'s own node_modules for user code', () => {
    const stack = ['Error: x', `    at parse (${own('node_modules/zod/index.js')}:1:1)`, `    at run (${own('dist/runner.js')}:2:2)`].join('\n');
    assert.equal(userStack(stack), `Error: x\n    at parse (${own('node_modules/zod/index.js')}:1:1)`);
  });
});

describe('errorLines', () => {
  it('shows the header, every message line, then the frames indented', () => {
    assert.deepEqual(errorLines({ name: 'RangeError', message: 'a\nb', stack: 'RangeError: a\nb\n    at f (/p.ts:1:2)' }), ['RangeError: a', 'b', '  at f (/p.ts:1:2)']);
    assert.deepEqual(errorLines({ name: 'object', message: '{"code":42}', value: { code: 42 } }), ['threw a non-Error object: {"code":42}']);
    assert.deepEqual(errorLines({ name: 'undefined', message: 'undefined' }), ['threw a non-Error undefined: undefined']);
    assert.deepEqual(errorLines({ name: 'Error', message: 'lease expired: no heartbeat for 700 ms' }), ['lease expired: no heartbeat for 700 ms']);
  });
});
