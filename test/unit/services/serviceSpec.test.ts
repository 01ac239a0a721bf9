import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ServiceError, ServiceSpecError, ServiceTypeRegistry, parseServiceSpec, processServiceType, serviceSpecBase } from '../../../runtime/src/services';

const minimal = { name: 'model-server', type: 'process', command: 'node' };

/** The message of the ServiceSpecError that parsing `value` raises. */
function problem(value: unknown, registry?: ServiceTypeRegistry): string {
  try {
    parseServiceSpec(value, registry);
  } catch (error) {
    assert.ok(error instanceof ServiceSpecError, `not a ServiceSpecError: ${String(error)}`);
    assert.ok(error instanceof ServiceError);
    assert.equal(error.code, 'invalid-spec');
    return error.message;
  }
  assert.fail(`accepted ${JSON.stringify(value)}`);
}

describe('service specs', () => {
  it('fills in defaults', () => {
    assert.deepEqual(parseServiceSpec(minimal), { ...minimal, args: [], env: {}, startTimeoutMs: 30_000, restart: 'never' });
    const spec = parseServiceSpec({ ...minimal, health: { http: { url: 'http://localhost:8080/health' } } });
    assert.deepEqual(spec.health, { http: { url: 'http://localhost:8080/health', expectStatus: 200 }, intervalMs: 1000, timeoutMs: 2000 });
    assert.deepEqual(parseServiceSpec({ ...minimal, health: { tcp: { port: 9000 } } }).health?.tcp, { host: '127.0.0.1', port: 9000 });
    assert.deepEqual(parseServiceSpec({ ...minimal, health: { tcp: { host: '[::1]', port: 9000 } } }).health?.tcp, { host: '::1', port: 9000 });
  });

  it('accepts every loopback spelling for HTTP monitors', () => {
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      assert.doesNotThrow(() => parseServiceSpec({ ...minimal, health: { http: { url: `http://${host}:1234/ready`, expectStatus: 204 } } }));
    }
  });

  it('names the field path of every problem', () => {
    assert.equal(problem({ ...minimal, health: { http: { url: 'http://10.1.2.3/health' } } }), 'health.http.url: only loopback addresses can be monitored');
    assert.equal(problem({ ...minimal, health: { http: { url: 'https://127.0.0.1/health' } } }), 'health.http.url: only http:// URLs can be monitored');
    assert.equal(problem({ ...minimal, health: { http: { url: 'not a url' } } }), 'health.http.url: not a valid URL');
    assert.equal(problem({ ...minimal, health: { tcp: { host: 'example.com', port: 80 } } }), 'health.tcp.host: only loopback addresses can be monitored');
    assert.equal(problem({ ...minimal, health: { tcp: { port: 70_000 } } }), 'health.tcp.port: Too big: expected number to be <=65535');
    assert.equal(problem({ ...minimal, health: { intervalMs: 100 } }), 'health: give http: { url } or tcp: { port }');
    assert.equal(problem({ ...minimal, health: { http: { url: 'http://127.0.0.1/' }, tcp: { port: 1 } } }), 'health: give either http or tcp, not both');
    assert.match(problem({ ...minimal, name: 'bad name!' }), /^name: use 1 to 63 letters/);
    assert.match(problem({ ...minimal, name: 'x'.repeat(64) }), /^name: /);
    assert.equal(problem({ ...minimal, command: undefined }), 'command: required');
    assert.equal(problem({ ...minimal, command: '' }), 'command: must not be empty');
    assert.equal(problem({ ...minimal, args: ['ok', 3] }), 'args.1: expected string, received number');
    assert.equal(problem({ ...minimal, cwd: 'relative/dir' }), 'cwd: must be an absolute path');
    assert.equal(problem({ ...minimal, env: { 'A=B': 'x' } }), 'env.A=B: names must be non-empty, without "=" or NUL');
    assert.equal(problem({ ...minimal, env: { A: 1 } }), 'env.A: expected string, received number');
    assert.equal(problem({ ...minimal, args: ['a\0b'] }), 'args.0: an argument must not contain NUL characters');
    assert.equal(problem({ ...minimal, startTimeoutMs: 1.5 }), 'startTimeoutMs: expected an integer');
    assert.equal(problem({ ...minimal, restart: 'always' }), 'restart: expected one of "never"|"on-failure"');
    assert.equal(problem({ ...minimal, image: 'x', health: { http: { url: 'http://127.0.0.1/', extra: 1 } } }), 'health.http.extra: unknown field; image: unknown field');
  });

  it('lists every problem in issues, and names the service when its name is valid', () => {
    try {
      parseServiceSpec({ ...minimal, command: '', startTimeoutMs: -1 });
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof ServiceSpecError);
      assert.deepEqual(error.issues.map((issue) => issue.path).sort(), ['command', 'startTimeoutMs']);
      assert.equal(error.message, error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
      assert.equal(error.service, 'model-server');
    }
  });

  it('rejects what is not a spec at all, and a missing or unknown type', () => {
    for (const value of [null, 'name: x', [minimal], 42]) assert.match(problem(value), /^spec: expected an object/);
    assert.equal(problem({ name: 'x', type: 'docker', image: 'nginx' }), 'unknown service type "docker" (known: process)');
    assert.equal(problem({ name: 'x', command: 'node' }), 'type: required (known: process)');
    assert.equal(problem({ name: 'x', type: 7 }), 'type: expected a string (known: process)');
    assert.equal(problem({ name: 'x', type: '__proto__' }), 'unknown service type "__proto__" (known: process)');
  });

  it('takes new service types through a registry', () => {
    const registry = new ServiceTypeRegistry().register(processServiceType).register({
      type: 'container',
      schema: z.strictObject({ ...serviceSpecBase, type: z.literal('container'), image: z.string().min(1) }),
      launchPlan: (spec) => ({ command: 'docker', args: ['run', '--rm', spec.image], env: {} }),
    });
    assert.deepEqual(registry.known(), ['container', 'process']);
    const spec = registry.parse({ name: 'web', type: 'container', image: 'nginx' });
    assert.deepEqual(registry.get('container')?.launchPlan(spec), { command: 'docker', args: ['run', '--rm', 'nginx'], env: {} });
    assert.equal(problem({ name: 'web', type: 'container' }, registry), 'image: required');
    assert.equal(problem({ name: 'x', type: 'vm' }, registry), 'unknown service type "vm" (known: container, process)');
    assert.throws(() => registry.register(processServiceType), /service type "process" is already registered/);
  });
});
