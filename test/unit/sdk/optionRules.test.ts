/**
 * The SDK skips its option checks when no option is given (`givesNoOption`), so that code given
 * none never loads zod. That is right only while every options schema it skips accepts `{}` and
 * makes nothing of it: this test holds the schemas to that.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { definedOptions } from '../../../runtime/src/model/optionMerge';
import { nodeDataOptionsSchema, pipelineDataOptionsSchema, stepDataOptionsSchema } from '../../../runtime/src/model/runOptions';
import { givesNoOption } from '../../../runtime/src/sdk/optionRules';

describe('skipping the option checks when no option is given', () => {
  it('every skipped schema accepts no options and makes no option of them', () => {
    for (const [name, schema] of Object.entries({ stepDataOptionsSchema, pipelineDataOptionsSchema, nodeDataOptionsSchema })) {
      for (const none of [{}, { retry: undefined, cacheExpiresAfter: undefined }]) {
        const parsed = schema.safeParse(none);
        assert.ok(parsed.success, `${name} refuses ${JSON.stringify(none)}`);
        assert.deepEqual(definedOptions(parsed.data as Record<string, unknown>), {}, `${name} makes options of nothing`);
      }
    }
  });

  it('counts keys set to undefined as not given, and any value, even a falsy one, as given', () => {
    assert.equal(givesNoOption({}), true);
    assert.equal(givesNoOption({ retry: undefined }), true);
    for (const given of [{ enableCache: false }, { maxRetries: 0 }, { name: '' }, { retry: null }]) assert.equal(givesNoOption(given), false, JSON.stringify(given));
  });
});
