import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { buildSync } from 'esbuild';
import { bundleFrameMapper } from '../../../client/src/bundleSourceMap';
import { stackFrames, userFrame } from '../../../client/src/stackFrames';

describe('stack frames left in a run\'s bundle', () => {
  it('are mapped back to the author\'s file and line through the bundle\'s inline source map, and count as user code', () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bundle-map-'));
    const source = path.join(workspace, 'pipelines', 'forecast.ts');
    fs.mkdirSync(path.dirname(source), { recursive: true });
    fs.writeFileSync(source, ['export function load(): number {', '  return 1;', '}', '', 'export function publish(error: number): string {', "  if (error > 0) throw new Error('publishing is switched off');", "  return 'ok';", '}', ''].join('\n'));
    // As runtime/src/prepare/bundle.ts builds a run's bundle.
    const built = buildSync({ entryPoints: [source], bundle: true, platform: 'node', format: 'cjs', write: false, sourcemap: 'inline', absWorkingDir: path.dirname(source), sourceRoot: pathToFileURL(path.dirname(source) + path.sep).href, sourcesContent: false, outfile: 'out.cjs' });
    const text = built.outputFiles[0].text;
    const bundle = path.join(workspace, '.pipewright', 'bundles', 'abc123.cjs');
    fs.mkdirSync(path.dirname(bundle), { recursive: true });
    fs.writeFileSync(bundle, text);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('throw new Error')) + 1;
    const column = lines[line - 1].indexOf('throw') + 1;
    let reads = 0;
    const mapFrame = bundleFrameMapper((file) => {
      reads++;
      return fs.readFileSync(file, 'utf8');
    });
    assert.deepEqual(mapFrame(bundle, line, column), { file: source, line: 6, column: 18 });
    const stack = `Error: publishing is switched off\n    at Object.publish [as fn] (${bundle}:${line}:${column})\n    at run (/opt/pipewright/dist/runner.js:1:1)`;
    const frames = stackFrames(stack, { workspace: [workspace], excluded: [path.join(workspace, '.pipewright'), '/opt/pipewright'], mapFrame });
    assert.deepEqual(userFrame(frames) && { file: userFrame(frames)?.file, line: userFrame(frames)?.line }, { file: source, line: 6 });
    assert.equal(frames[0].text, `at Object.publish [as fn] (${bundle}:${line}:${column})`, 'the frame keeps its printed text (the details link it)');
    assert.equal(mapFrame('/opt/pipewright/dist/runner.js', 1, 1), undefined, 'only bundles are mapped');
    mapFrame(bundle, 1, 1);
    assert.equal(reads, 1, 'a bundle is read once');
    fs.rmSync(workspace, { recursive: true, force: true });
  });
});
