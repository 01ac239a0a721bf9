import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorHeadline, nodeError } from '../../../client/src/failureText';
import { frameLabel, stackFrames, userFrame } from '../../../client/src/stackFrames';

const roots = { workspace: ['/home/ana/project'], excluded: ['/home/ana/project/.pipewright', '/opt/pipewright'] };

describe('stack frames of a failure', () => {
  const stack = [
    'Error: publishing is switched off',
    '    at check (/home/ana/project/node_modules/lodash/check.js:3:9)',
    '    at Object.load (/opt/pipewright/dist/runner.js:10:1)',
    '    at /home/ana/project/.pipewright/bundles/abc.cjs:5:5',
    '    at node:internal/process/task_queues:95:5',
    '    at async Object.publish (/home/ana/project/pipelines/forecast.ts:31:42)',
    '    at file:///home/ana/project/lib/util%20s.ts:7:3',
    '    at C:\\work\\p\\a.ts:2:4',
  ].join('\n');

  it('keeps every frame that names a file, and marks the user\'s own (workspace, not node_modules, the store or the runtime)', () => {
    const frames = stackFrames(stack, roots);
    assert.deepEqual(
      frames.map((frame) => [frame.file, frame.line, frame.column, frame.user]),
      [
        ['/home/ana/project/node_modules/lodash/check.js', 3, 9, false],
        ['/opt/pipewright/dist/runner.js', 10, 1, false],
        ['/home/ana/project/.pipewright/bundles/abc.cjs', 5, 5, false],
        ['/home/ana/project/pipelines/forecast.ts', 31, 42, true],
        ['/home/ana/project/lib/util s.ts', 7, 3, true],
        ['C:\\work\\p\\a.ts', 2, 4, false],
      ],
    );
    assert.equal(frames[3].text, 'at async Object.publish (/home/ana/project/pipelines/forecast.ts:31:42)');
    assert.equal(userFrame(frames)?.line, 31, 'the first frame in the user\'s code');
  });

  it('finds no user frame when the stack has none, or no stack at all', () => {
    assert.equal(userFrame(stackFrames('Error: x\n    at node:internal/a:1:1', roots)), undefined);
    assert.deepEqual(stackFrames(undefined, roots), []);
    assert.equal(userFrame(stackFrames('Error: x\n    at /home/ana/project-other/a.ts:1:1', roots)), undefined, 'a sibling folder with the same prefix is not the workspace');
  });

  it('gives a failure a one-line headline, and the DAG its lines and frames', () => {
    assert.equal(errorHeadline({ name: 'Error', message: 'publishing is off\nsecond line', stack: 'Error: publishing is off' }), 'publishing is off');
    assert.equal(errorHeadline({ name: 'TypeError', message: 'x is not a function', stack: 'TypeError: x' }), 'TypeError: x is not a function');
    assert.equal(errorHeadline({ name: 'object', message: '{"code":42}', value: { code: 42 } }), 'threw a non-Error object: {"code":42}');
    assert.equal(errorHeadline({ name: 'Error', message: 'runner lost' }), 'runner lost');
    const shown = nodeError({ name: 'Error', message: 'publishing is switched off', stack }, roots);
    assert.equal(shown.headline, 'publishing is switched off');
    assert.equal(shown.lines[0], 'Error: publishing is switched off');
    assert.equal(shown.frames.filter((frame) => frame.user).length, 2);
    for (const frame of shown.frames) assert.ok(shown.lines.some((line) => line.trim() === frame.text), `the frame ${frame.text} is one of the shown lines (the details panel links it)`);
  });

  it('reads a frame by its function and where it points, a workspace file relative to its folder', () => {
    const frames = stackFrames(stack, roots);
    assert.deepEqual(
      frames.map((frame) => frameLabel(frame, roots)),
      [
        'at check (node_modules/lodash/check.js:3:9)',
        'at Object.load (/opt/pipewright/dist/runner.js:10:1)',
        'at .pipewright/bundles/abc.cjs:5:5',
        'at async Object.publish (pipelines/forecast.ts:31:42)',
        'at lib/util s.ts:7:3',
        'at C:\\work\\p\\a.ts:2:4',
      ],
    );
    const nested = { workspace: ['/home/ana', '/home/ana/project'] };
    assert.equal(frameLabel(frames[3], nested), 'at async Object.publish (pipelines/forecast.ts:31:42)', 'relative to the innermost workspace folder');
  });

  it("shows a frame the runner left in the bundle at the author's line, in the lines and in its link alike", () => {
    const mapped = { ...roots, mapFrame: (file: string, line: number) => (file.endsWith('abc.cjs') ? { file: '/home/ana/project/pipelines/forecast.ts', line: line + 15, column: 3 } : undefined) };
    const shown = nodeError({ name: 'Error', message: 'two\nlines', stack }, mapped);
    assert.deepEqual(shown.lines.slice(0, 6), ['Error: two', 'lines', '  at check (node_modules/lodash/check.js:3:9)', '  at Object.load (/opt/pipewright/dist/runner.js:10:1)', '  at pipelines/forecast.ts:20:3', '  at node:internal/process/task_queues:95:5']);
    const bundled = shown.frames[2];
    assert.deepEqual([bundled.text, bundled.file, bundled.line, bundled.user], ['at pipelines/forecast.ts:20:3', '/home/ana/project/pipelines/forecast.ts', 20, true]);
    assert.doesNotMatch(shown.lines.join('\n'), /\.cjs:/, 'no line names the bundle');
  });
});
