/**
 * The module manifest moved from the runtime's own TypeScript walker (`prepare/typeExtract.ts`
 * before the re-cut, commit 2e7974e) to the analysis engine's query (`moduleManifest.ts`). Behaviour
 * must not change: for every example and fixture, the engine's manifest equals the one the old
 * walker gives, read from git history (so the old walker is not kept in the tree).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { ModuleManifest } from '../../../runtime/src/model/moduleManifest';
import { extractModuleManifest } from '../../../runtime/src/prepare/typeExtract';
import { repoRoot, tempDir } from '../../support/tempDir';

const BEFORE = '2e7974e76ddd7698045f2147d3b15c1b4d3b2734';

/** The old walker, as a file importing this checkout's TypeScript and descriptor types. */
function oldExtractor(): (entry: string) => ModuleManifest {
  const source = execFileSync('git', ['show', `${BEFORE}:runtime/src/prepare/typeExtract.ts`], { cwd: repoRoot, encoding: 'utf8' })
    .replace("from 'typescript'", `from ${JSON.stringify(require.resolve('typescript'))}`)
    .replace("from './typeDescriptor'", `from ${JSON.stringify(path.join(repoRoot, 'runtime/src/model/typeDescriptor'))}`);
  const file = path.join(tempDir('pipewright-old-extract-'), 'typeExtract.ts');
  fs.writeFileSync(file, source);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file written just now
  return (require(file) as { extractModuleManifest: (entry: string) => ModuleManifest }).extractModuleManifest;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : sourceFiles(full);
    return /\.([cm]?[jt]s|tsx)$/.test(entry.name) && !/\.d\.[cm]?ts$/.test(entry.name) ? [full] : [];
  });
}

describe('the engine gives the manifest the old walker gave', () => {
  const old = oldExtractor();
  const files = [...sourceFiles(path.join(repoRoot, 'examples')), ...sourceFiles(path.join(repoRoot, 'test', 'fixtures'))].sort();
  it('covers every example and fixture', () => {
    assert.ok(files.length > 40, `examples and fixtures found: ${files.length}`);
    assert.ok(files.some((f) => f.endsWith(path.join('examples', 'iris', 'pipeline.ts'))));
  });
  for (const file of files) {
    it(path.relative(repoRoot, file), () => {
      assert.deepStrictEqual(extractModuleManifest(file), old(file));
    });
  }
});
