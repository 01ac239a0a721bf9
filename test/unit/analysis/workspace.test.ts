/** Workspaces: several tsconfigs, open documents over files on disk, and what an edit re-analyses. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Analyzer } from '../../../server/src/analysis/analyzer';
import type { FileAnalysis } from '../../../server/src/analysis/model';
import { findPipelineFiles } from '../../../server/src/analysis/pipelineFiles';
import { AnalysisScheduler } from '../../../server/src/analysisScheduler';
import { tempProject } from '../../support/tempDir';
import { analysisFixture } from './helpers';

const STEPS = "import { step } from 'pipewright';\nexport const clean = step(function clean(x: number): number { return x; });\n";
const MAIN = "import { pipeline } from 'pipewright';\nimport { clean } from './steps';\nexport const p = pipeline(function p() { clean(clean(1)); });\n";

describe('workspaces', () => {
  it('uses the nearest tsconfig of each file (two roots, one with a path alias)', () => {
    const root = tempProject();
    for (const name of ['one', 'two']) fs.mkdirSync(path.join(root, name, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(root, 'two', 'lib', 'steps.ts'), STEPS);
    fs.writeFileSync(path.join(root, 'two', 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'ESNext', moduleResolution: 'Bundler', paths: { '@steps/*': ['./lib/*'] } } }));
    fs.writeFileSync(path.join(root, 'one', 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'ESNext', moduleResolution: 'Bundler' } }));
    const usesAlias = MAIN.replace("'./steps'", "'@steps/steps'");
    fs.writeFileSync(path.join(root, 'two', 'main.ts'), usesAlias);
    fs.writeFileSync(path.join(root, 'one', 'main.ts'), usesAlias);
    const analyzer = new Analyzer();
    const two = analyzer.analyze(path.join(root, 'two', 'main.ts'));
    assert.deepEqual(two.pipelines[0].nodes.map((n) => n.id), ['clean', 'clean_2']);
    assert.deepEqual(two.dependencies, [path.join(root, 'two', 'lib', 'steps.ts')]);
    // Without that alias in its tsconfig, root one cannot resolve the import: no steps, and no crash.
    assert.deepEqual(analyzer.analyze(path.join(root, 'one', 'main.ts')).pipelines[0].nodes, []);
  });

  it('an unreadable tsconfig falls back to defaults instead of failing', () => {
    const root = tempProject();
    fs.writeFileSync(path.join(root, 'tsconfig.json'), '{ "compilerOptions": { oops');
    fs.writeFileSync(path.join(root, 'steps.ts'), STEPS);
    fs.writeFileSync(path.join(root, 'main.ts'), MAIN);
    assert.deepEqual(new Analyzer().analyze(path.join(root, 'main.ts')).pipelines[0].nodes.map((n) => n.id), ['clean', 'clean_2']);
  });

  it('open documents win over the disk; closing one (or a change on disk) brings the disk back', () => {
    const root = tempProject();
    const steps = path.join(root, 'steps.ts');
    const main = path.join(root, 'main.ts');
    fs.writeFileSync(steps, STEPS);
    fs.writeFileSync(main, MAIN);
    const analyzer = new Analyzer();
    const nodes = () => analyzer.analyze(main).pipelines[0].nodes.map((n) => n.id);
    assert.deepEqual(nodes(), ['clean', 'clean_2']);
    analyzer.setDocument(steps, STEPS.replace('function clean', "{ name: 'scrub' }, function clean"));
    assert.deepEqual(nodes(), ['scrub', 'scrub_2'], 'an edit to the steps file changes the graph of the file that imports it');
    analyzer.closeDocument(steps);
    assert.deepEqual(nodes(), ['clean', 'clean_2']);
    fs.writeFileSync(steps, STEPS.replace('function clean', "{ name: 'wash' }, function clean"));
    analyzer.fileChanged(steps);
    assert.deepEqual(nodes(), ['wash', 'wash_2']);
  });

  it('finds the pipeline files of a folder (skipping node_modules and hidden folders)', () => {
    const files = findPipelineFiles(analysisFixture('dag')).map((f) => path.basename(f));
    assert.deepEqual(files, ['defaults.ts', 'factories.ts', 'features.ts', 'more.ts', 'options.ts', 'steps.ts']);
    const root = tempProject();
    fs.mkdirSync(path.join(root, '.hidden'));
    fs.writeFileSync(path.join(root, '.hidden', 'x.ts'), STEPS);
    fs.writeFileSync(path.join(root, 'main.ts'), MAIN);
    assert.deepEqual(findPipelineFiles(root), [path.join(root, 'main.ts')]);
  });
});

describe('the scheduler re-analyses only what an edit affects', () => {
  it('re-analyses the edited document, then the open documents that import it, and no others', async () => {
    const root = tempProject();
    const steps = path.join(root, 'steps.ts');
    const main = path.join(root, 'main.ts');
    const other = path.join(root, 'other.ts');
    fs.writeFileSync(steps, STEPS);
    fs.writeFileSync(main, MAIN);
    fs.writeFileSync(other, "import { pipeline, step } from 'pipewright';\nexport const lone = step(function lone(): number { return 1; });\nexport const q = pipeline(function q() { lone(); });\n");
    const published: { file: string; analysis: FileAnalysis }[] = [];
    let wake: (() => void) | undefined;
    const scheduler = new AnalysisScheduler(
      new Analyzer(),
      (file, analysis) => {
        published.push({ file, analysis });
        wake?.();
      },
      5,
    );
    const until = (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => (published.length >= count ? resolve() : (wake = check));
        check();
      });
    for (const file of [steps, main, other]) scheduler.opened(file, fs.readFileSync(file, 'utf8'));
    await until(3);
    published.length = 0;
    scheduler.changed(steps, STEPS.replace('function clean', "{ name: 'scrub' }, function clean"));
    await until(2);
    assert.deepEqual(published.map((p) => path.basename(p.file)), ['steps.ts', 'main.ts']);
    assert.deepEqual(published[1].analysis.pipelines[0].nodes.map((n) => n.id), ['scrub', 'scrub_2']);
    // Asking for an analysis while an edit is pending analyses the latest text at once.
    scheduler.changed(main, MAIN.replace('clean(clean(1))', 'clean(1)'));
    assert.deepEqual(scheduler.current(main).pipelines[0].nodes.map((n) => n.id), ['scrub']);
    scheduler.dispose();
  });
});
