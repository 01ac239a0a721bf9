/**
 * The module manifest moved from the runtime's own TypeScript walker (`prepare/typeExtract.ts`
 * before the re-cut) to the analysis engine's query (`moduleManifest.ts`). Behaviour must not
 * change: for every example and fixture of that time, the engine's manifest equals the one the old
 * walker gave, recorded in `test/fixtures/manifests/beforeRecut.json` (paths relative to the
 * repository) by running the walker of commit 2e7974e on this tree.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { ModuleManifest } from '../../../runtime/src/model/moduleManifest';
import { extractModuleManifest } from '../../../runtime/src/prepare/typeExtract';
import { repoRoot } from '../../support/tempDir';

const recorded = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test/fixtures/manifests/beforeRecut.json'), 'utf8')) as Record<string, ModuleManifest>;

/** The manifest with this checkout's folder taken out of its paths, as recorded. */
function relativeManifest(file: string): unknown {
  const prefix = JSON.stringify(`${repoRoot}${path.sep}`).slice(1, -1);
  return JSON.parse(JSON.stringify(extractModuleManifest(file)).split(prefix).join(''));
}

describe('the engine gives the manifest the old walker gave', () => {
  const files = Object.keys(recorded).sort();
  it('covers the examples and fixtures', () => {
    assert.ok(files.length > 40, `recorded manifests: ${files.length}`);
    assert.ok(files.includes(path.join('examples', 'iris', 'pipeline.ts')));
  });
  for (const file of files) {
    it(file, () => {
      assert.deepStrictEqual(relativeManifest(path.join(repoRoot, file)), recorded[file]);
    });
  }
});
