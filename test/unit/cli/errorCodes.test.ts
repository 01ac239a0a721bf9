import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../runtime/src/cli/errors';
import { RunRequestError } from '../../../runtime/src/engine/session';
import { DiskFullError, ERROR_CODES, errorCodeForStatus, errorCodeOf, exitCodeOf, httpStatusOf } from '../../../runtime/src/model/errorCodes';
import { errorFromAnswer } from '../../../runtime/src/api/client';
import { ServiceError } from '../../../runtime/src/services/errors';

describe('error codes: one table to HTTP statuses and exit codes', () => {
  it('bad input exits 2 and answers 4xx; a full disk exits 1 and answers 507; anything else is internal', () => {
    assert.deepEqual([exitCodeOf(new UsageError('x')), httpStatusOf(new UsageError('x'))], [2, 400]);
    assert.deepEqual([exitCodeOf(new RunRequestError('x')), httpStatusOf(new RunRequestError('x'))], [2, 422]);
    assert.deepEqual([exitCodeOf(new ServiceError('x', 'unknown-service')), httpStatusOf(new ServiceError('x', 'unknown-service'))], [2, 404]);
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const sqliteFull = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    for (const cause of [enospc, sqliteFull]) assert.deepEqual([errorCodeOf(cause), exitCodeOf(cause), httpStatusOf(cause)], ['disk-full', 1, 507]);
    assert.equal(new DiskFullError('could not write x', enospc).message, 'disk full: could not write x: no space left on device, write (ENOSPC)');
    assert.deepEqual([errorCodeOf(new Error('boom')), exitCodeOf(new Error('boom')), httpStatusOf('boom')], ['internal', 1, 500]);
  });

  it('an API answer keeps the code it names, or the one its status stands for', () => {
    assert.equal(exitCodeOf(errorFromAnswer(507, 'disk full: ...', 'disk-full')), 1);
    assert.equal(exitCodeOf(errorFromAnswer(422, 'refused')), 2);
    assert.equal(exitCodeOf(errorFromAnswer(409, 'still running')), 1);
    for (const [code, { http }] of Object.entries(ERROR_CODES)) assert.equal(ERROR_CODES[errorCodeForStatus(http)].http, http, code);
  });
});
