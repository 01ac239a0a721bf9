import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { affectsPipelines } from '../../../client/src/pipelineFileChanges';

const root = path.resolve('/w');
const at = (...parts: string[]) => path.join(root, ...parts);
const listed = [at('pipelines', 'train.ts'), at('src', 'etl', 'load.ts')];

describe('pipeline files on disk', () => {
  it('refreshes for a new TypeScript or JavaScript source outside dependencies and hidden folders', () => {
    assert.equal(affectsPipelines('created', at('pipelines', 'new.ts'), listed), true);
    assert.equal(affectsPipelines('created', at('pipelines', 'new.mts'), listed), true);
    assert.equal(affectsPipelines('created', at('pipelines', 'new.mjs'), listed), true);
    assert.equal(affectsPipelines('created', at('pipelines', 'types.d.ts'), listed), false, 'declarations define no steps');
    assert.equal(affectsPipelines('created', at('node_modules', 'pkg', 'index.ts'), listed), false);
    assert.equal(affectsPipelines('created', at('.pipewright', 'bundles', 'x.ts'), listed), false);
    assert.equal(affectsPipelines('created', at('README.md'), listed), false);
  });

  it('refreshes for a listed file edited or deleted on disk, and for a deleted folder that held one', () => {
    assert.equal(affectsPipelines('deleted', at('pipelines', 'train.ts'), listed), true);
    assert.equal(affectsPipelines('changed', at('pipelines', 'train.ts'), listed), true);
    assert.equal(affectsPipelines('deleted', at('src'), listed), true, 'the folder of a listed file');
    assert.equal(affectsPipelines('deleted', at('src', 'etl'), listed), true);
    assert.equal(affectsPipelines('deleted', at('pipe'), listed), false, 'a name prefix is not a folder');
    assert.equal(affectsPipelines('deleted', at('pipelines', 'other.ts'), listed), false, 'no pipeline there');
    assert.equal(affectsPipelines('changed', at('src'), listed), false);
    assert.equal(affectsPipelines('changed', at('lib', 'util.ts'), listed), false, 'an unlisted file edited on disk');
  });
});
