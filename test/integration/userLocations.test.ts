import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cli, type CliResult } from '../support/cli';
import { installedProject } from '../support/installedPackage';
import { tempProject } from '../support/tempDir';

/** Pipeline files with one wiring fault each; `// <-` marks the line the error must name. */
const FAULTS: Record<string, { source: string; message: RegExp; config?: string }> = {
  cycle: {
    source: [
      "import { pipeline, step } from 'pipewright';",
      'export const a = step(function a(x: number): number { return x; });',
      'export const p = pipeline(function p() {',
      "  a.with({ id: 'one', after: ['two'] })(1); // <-",
      "  a.with({ id: 'two', after: ['one'] })(2);",
      '});',
    ].join('\n'),
    message: /cycle: one -> two -> one/,
  },
  unnamed: {
    source: [
      "import { pipeline, step } from 'pipewright';",
      '',
      'export const a = step((x: number): number => x); // <-',
      'export const p = pipeline(function p() { a(1); });',
    ].join('\n'),
    message: /a step needs a name/,
  },
  outside: {
    source: [
      "import { pipeline, step } from 'pipewright';",
      'export const a = step(function a(x: number): number { return x; });',
      '',
      'a(1); // <-',
      'export const p = pipeline(function p() { a(1); });',
    ].join('\n'),
    message: /step "a" was called outside a pipeline body/,
  },
  throwsOnLoad: {
    source: [
      "import { pipeline, step } from 'pipewright';",
      'export const a = step(function a(x: number): number { return x; });',
      "if (a) throw new Error('config missing at import'); // <-",
      'export const p = pipeline(function p() { a(1); });',
    ].join('\n'),
    message: /config missing at import/,
  },
  syntaxError: {
    source: [
      "import { pipeline, step } from 'pipewright';",
      'export const a = step(function a(x: number): number { return x; });',
      'export const p = pipeline(function p() { a(1 }); // <-',
    ].join('\n'),
    message: /Expected/,
  },
  unknownConfigParameter: {
    source: [
      "import { pipeline, step } from 'pipewright';",
      'export const a = step(function a(x: number): number { return x; });',
      '',
      'export const p = pipeline(function p(n: number) { a(n); }); // <-',
    ].join('\n'),
    config: 'parameters: { n: 1, bogus: 2 }\n',
    message: /parameters\.bogus: .*has no parameter "bogus"/,
  },
};

function markedLine(source: string): number {
  return source.split('\n').findIndex((line) => line.includes('// <-')) + 1;
}

function oneLine(result: CliResult): string {
  assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  return lines[0];
}

const projects = {
  'pipewright installed in node_modules (a copy of the package)': () => installedProject(),
  'pipewright linked into the project (this repository)': () => ({ dir: tempProject(), bin: undefined }),
};

for (const [kind, makeProject] of Object.entries(projects)) {
  describe(`compile errors name the user's file and line: ${kind}`, () => {
    for (const [name, fault] of Object.entries(FAULTS)) {
      it(name, async () => {
        const { dir, bin } = makeProject();
        // In a folder of its own, run from the project root: paths must not be taken relative to the wrong folder.
        fs.mkdirSync(path.join(dir, 'pipelines'), { recursive: true });
        const file = path.join(dir, 'pipelines', `${name}.ts`);
        fs.writeFileSync(file, fault.source);
        const args = ['run', file, '--no-daemon'];
        if (fault.config) {
          fs.writeFileSync(path.join(dir, 'run.yaml'), fault.config);
          args.push('--config', path.join(dir, 'run.yaml'));
        }
        const line = oneLine(await cli(args, { cwd: dir, bin }));
        assert.match(line, fault.message);
        assert.ok(line.includes(`${file}:${markedLine(fault.source)}:`), `names ${file}:${markedLine(fault.source)}: ${line}`);
        assert.doesNotMatch(line, /node_modules|\.pipewright/);
      });
    }
  });
}
