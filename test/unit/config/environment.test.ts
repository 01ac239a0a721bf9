// Each PIPEWRIGHT_* variable is parsed once (`model/environment.ts`): every value accepted before
// is still accepted, and a malformed one is an error naming the variable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  enforceTypeAnnotationsFromEnv,
  heartbeatFromEnv,
  limitsFromEnv,
  onDemandIdleTimeout,
  runnerPoolFromEnv,
  SettingError,
  storeFromEnv,
  storeUrlFromEnv,
} from '../../../runtime/src/model/environment';
import { heartbeatTiming } from '../../../runtime/src/engine/heartbeatSettings';

const named = (name: string) => (error: unknown) => error instanceof SettingError && error.message.startsWith(`${name}: `);

describe('the environment variables', () => {
  it('PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS: on for 1/true/yes/on, off for 0/false/no/off or unset, else an error', () => {
    for (const on of ['1', 'true', 'TRUE', 'yes', 'On', ' true ']) assert.equal(enforceTypeAnnotationsFromEnv({ PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS: on }), true, on);
    for (const off of [undefined, '', '0', 'false', 'no', 'OFF']) assert.equal(enforceTypeAnnotationsFromEnv({ PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS: off }), false, String(off));
    assert.throws(() => enforceTypeAnnotationsFromEnv({ PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS: 'maybe' }), named('PIPEWRIGHT_ENFORCE_TYPE_ANNOTATIONS'));
  });

  it('PIPEWRIGHT_HEARTBEAT_INTERVAL and _TIMEOUT: seconds > 0, used by the heartbeat timing', () => {
    assert.deepEqual(heartbeatFromEnv({ PIPEWRIGHT_HEARTBEAT_INTERVAL: '0.5', PIPEWRIGHT_HEARTBEAT_TIMEOUT: ' 4 ' }), { interval: 0.5, timeout: 4 });
    assert.deepEqual(heartbeatFromEnv({}), {});
    assert.equal(heartbeatTiming(undefined, undefined, { PIPEWRIGHT_HEARTBEAT_INTERVAL: '2' }).intervalMs, 2000);
    assert.throws(() => heartbeatFromEnv({ PIPEWRIGHT_HEARTBEAT_INTERVAL: 'fast' }), named('PIPEWRIGHT_HEARTBEAT_INTERVAL'));
    assert.throws(() => heartbeatTiming(undefined, undefined, { PIPEWRIGHT_HEARTBEAT_TIMEOUT: '0' }), named('PIPEWRIGHT_HEARTBEAT_TIMEOUT'));
  });

  it('PIPEWRIGHT_LIMITS, PIPEWRIGHT_DAEMON_IDLE_TIMEOUT, PIPEWRIGHT_RUNNER_*: their values, and errors naming them', () => {
    assert.deepEqual(limitsFromEnv({ PIPEWRIGHT_LIMITS: 'global=8, gpu=1' }), { global: 8, named: { gpu: 1 } });
    assert.throws(() => limitsFromEnv({ PIPEWRIGHT_LIMITS: 'gpu=0' }), named('PIPEWRIGHT_LIMITS'));
    assert.equal(onDemandIdleTimeout({ PIPEWRIGHT_DAEMON_IDLE_TIMEOUT: 'off' }), 0);
    assert.equal(onDemandIdleTimeout({}), 300);
    assert.throws(() => onDemandIdleTimeout({ PIPEWRIGHT_DAEMON_IDLE_TIMEOUT: '-1' }), named('PIPEWRIGHT_DAEMON_IDLE_TIMEOUT'));
    assert.deepEqual(runnerPoolFromEnv({ PIPEWRIGHT_RUNNER_WARM: '0', PIPEWRIGHT_RUNNER_IDLE_TIMEOUT: '1.5' }), { warm: 0, idleTimeoutS: 1.5 });
    assert.throws(() => runnerPoolFromEnv({ PIPEWRIGHT_RUNNER_WARM: '1.5' }), named('PIPEWRIGHT_RUNNER_WARM'));
    assert.equal(storeFromEnv({ PIPEWRIGHT_STORE: '' }), undefined);
    assert.equal(storeFromEnv({ PIPEWRIGHT_STORE: 'some/store' }), 'some/store');
  });

  it('PIPEWRIGHT_STORE_URL: a PostgreSQL URL, or unset; anything else is named without its password', () => {
    assert.equal(storeUrlFromEnv({}), undefined);
    assert.equal(storeUrlFromEnv({ PIPEWRIGHT_STORE_URL: ' ' }), undefined);
    assert.equal(storeUrlFromEnv({ PIPEWRIGHT_STORE_URL: 'postgres://me@db:5432/runs' }), 'postgres://me@db:5432/runs');
    assert.equal(storeUrlFromEnv({ PIPEWRIGHT_STORE_URL: 'postgresql://me:pw@db/runs' }), 'postgresql://me:pw@db/runs');
    assert.throws(
      () => storeUrlFromEnv({ PIPEWRIGHT_STORE_URL: 'mysql://me:s3cret@db/runs' }),
      (error: unknown) => named('PIPEWRIGHT_STORE_URL')(error) && /got mysql:\/\/me:\*\*\*@db\/runs$/.test((error as Error).message),
    );
    assert.throws(() => storeUrlFromEnv({ PIPEWRIGHT_STORE_URL: 'not a url' }), named('PIPEWRIGHT_STORE_URL'));
  });
});
