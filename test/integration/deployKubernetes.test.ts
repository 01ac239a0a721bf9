// `pipewright deploy kubernetes`, through the real CLI: every object it writes is checked against
// the Kubernetes schemas (kubernetes-models) and KEDA's (its ScaledObject CRD, @kubernetes-models/keda),
// with what the brief asks of each (replicas, grace period above the drain timeout, the worker
// command line, the Secret's tokens never printed and owner-only).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';

const env = { PIPEWRIGHT_STORE: undefined, PIPEWRIGHT_STORE_URL: undefined };

interface Kube {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
}

type Validating = new (data: object) => { validate(): void };

/** The schema model of each kind the command writes (ESM-only packages: loaded with import()). */
async function models(): Promise<Record<string, Validating>> {
  const [core, apps, policy, keda] = await Promise.all([import('kubernetes-models/v1'), import('kubernetes-models/apps/v1'), import('kubernetes-models/policy/v1'), import('@kubernetes-models/keda/keda.sh/v1alpha1')]);
  return {
    'v1/Secret': core.Secret,
    'v1/Service': core.Service,
    'apps/v1/Deployment': apps.Deployment,
    'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
    'keda.sh/v1alpha1/ScaledObject': keda.ScaledObject,
  } as unknown as Record<string, Validating>;
}

function documents(file: string): Kube[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map((doc) => {
    assert.deepEqual(doc.errors, [], file);
    return doc.toJS() as Kube;
  });
}

describe('pipewright deploy kubernetes', () => {
  it('writes manifests that each validate against the Kubernetes and KEDA schemas, with a worker Deployment, PDB and ScaledObject per pool', async () => {
    const out = path.join(tempDir('pipewright-k8s-'), 'manifests');
    const storeUrl = 'postgres://pipewright:s3cret-pass@db.internal:5432/pipewright';
    const result = await cli(['deploy', 'kubernetes', '--out', out, '--image', 'registry.example/pipewright:1.2', '--pools', 'gpu,cpu', '--drain-timeout', '90', '--namespace', 'ml', '--max-workers', '7'], { env: { ...env, PIPEWRIGHT_STORE_URL: storeUrl } });
    assert.equal(result.code, 0, result.stderr);
    const objects = [...documents(path.join(out, 'secret.yaml')), ...documents(path.join(out, 'pipewright.yaml'))];
    const byKind = await models();
    for (const object of objects) {
      const Model = byKind[`${object.apiVersion}/${object.kind}`];
      assert.ok(Model, `a schema for ${object.apiVersion} ${object.kind}`);
      assert.doesNotThrow(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}`);
      assert.equal(object.metadata.namespace, 'ml');
    }
    const names = objects.map((object) => `${object.kind}/${object.metadata.name}`);
    assert.deepEqual(names, [
      'Secret/pipewright-secrets',
      'Deployment/pipewright-orchestrator',
      'Service/pipewright-orchestrator',
      'Deployment/pipewright-worker-gpu',
      'PodDisruptionBudget/pipewright-worker-gpu',
      'ScaledObject/pipewright-worker-gpu',
      'Deployment/pipewright-worker-cpu',
      'PodDisruptionBudget/pipewright-worker-cpu',
      'ScaledObject/pipewright-worker-cpu',
    ]);
    const find = (name: string) => objects.find((object) => `${object.kind}/${object.metadata.name}` === name)!;

    // The orchestrator: two replicas of one store (said in a comment), serving remote workers, its tokens and database from the Secret.
    const orchestrator = find('Deployment/pipewright-orchestrator').spec!;
    assert.equal(orchestrator.replicas, 2);
    assert.match(fs.readFileSync(path.join(out, 'pipewright.yaml'), 'utf8'), /# 2 replicas of one store: the pod holding the database's claim leads .* one of them takes over within about a second when it dies/);
    const daemon = orchestrator.template.spec.containers[0];
    // Each replica advertises its pod's own address, where the others forward while it leads; its store folder is scratch.
    const advertised = daemon.env.filter((entry: { name: string }) => ['POD_IP', 'PIPEWRIGHT_ADVERTISE_URL'].includes(entry.name));
    assert.deepEqual(advertised, [
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'PIPEWRIGHT_ADVERTISE_URL', value: 'http://$(POD_IP):7420' },
    ]);
    assert.deepEqual(orchestrator.template.spec.volumes, [{ name: 'store', emptyDir: { sizeLimit: '10Gi' } }]);
    assert.deepEqual(daemon.args, ['server', 'start', '--foreground', '--host', '0.0.0.0', '--port', '7420', '--workers', 'remote']);
    assert.deepEqual(
      daemon.env.filter((entry: { valueFrom?: { secretKeyRef?: unknown } }) => entry.valueFrom?.secretKeyRef).map((entry: { name: string; valueFrom: { secretKeyRef: { key: string } } }) => [entry.name, entry.valueFrom.secretKeyRef.key]),
      [
        ['PIPEWRIGHT_STORE_URL', 'store-url'],
        ['PIPEWRIGHT_SERVER_TOKEN', 'server-token'],
        ['PIPEWRIGHT_RUNNER_TOKEN', 'runner-token'],
      ],
    );
    assert.equal(find('Service/pipewright-orchestrator').spec!.ports[0].port, 7420);

    // Each pool's workers: the worker command line, a grace period above the drain timeout, a PDB and a queue-depth trigger.
    for (const pool of ['gpu', 'cpu']) {
      const worker = find(`Deployment/pipewright-worker-${pool}`).spec!.template.spec;
      assert.ok(worker.terminationGracePeriodSeconds > 90, `grace ${worker.terminationGracePeriodSeconds} s above the 90 s drain`);
      const args: string[] = worker.containers[0].args;
      assert.deepEqual(args.slice(0, 3), ['worker', '--orchestrator', 'http://pipewright-orchestrator:7420']);
      assert.deepEqual(args.slice(args.indexOf('--pool'), args.indexOf('--pool') + 2), ['--pool', pool]);
      assert.deepEqual(args.slice(args.indexOf('--drain-timeout'), args.indexOf('--drain-timeout') + 2), ['--drain-timeout', '90']);
      assert.equal(worker.volumes[0].secret.defaultMode, 0o400, 'the token file is owner-only');
      assert.equal(find(`PodDisruptionBudget/pipewright-worker-${pool}`).spec!.maxUnavailable, 1);
      const scaled = find(`ScaledObject/pipewright-worker-${pool}`).spec!;
      assert.equal(scaled.scaleTargetRef.name, `pipewright-worker-${pool}`);
      assert.equal(scaled.maxReplicaCount, 7);
      assert.equal(scaled.triggers[0].type, 'prometheus');
      assert.equal(scaled.triggers[0].metadata.query, `sum(pipewright_queue_depth{pool="${pool}"})`);
    }

    // The Secret: random tokens and the database URL, in an owner-only file, none of it printed.
    const secret = find('Secret/pipewright-secrets').data!;
    const decoded = Object.fromEntries(Object.entries(secret).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]));
    assert.equal(decoded['store-url'], storeUrl);
    assert.match(decoded['server-token']!, /^[\w-]{43}$/);
    assert.match(decoded['runner-token']!, /^[\w-]{43}$/);
    assert.notEqual(decoded['server-token'], decoded['runner-token']);
    assert.equal(fs.statSync(path.join(out, 'secret.yaml')).mode & 0o777, 0o600);
    for (const value of Object.values(decoded)) assert.ok(!result.stdout.includes(value) && !result.stderr.includes(value), 'no secret is printed');
    assert.ok(!result.stdout.includes('s3cret-pass'));

    // Written again: the manifests are rewritten, the Secret (the tokens the cluster holds) is kept.
    const before = fs.readFileSync(path.join(out, 'secret.yaml'), 'utf8');
    const again = await cli(['deploy', 'kubernetes', '--out', out, '--pools', 'gpu'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /kept .*secret\.yaml/);
    assert.equal(fs.readFileSync(path.join(out, 'secret.yaml'), 'utf8'), before);
    assert.deepEqual(documents(path.join(out, 'pipewright.yaml')).filter((object) => object.kind === 'ScaledObject').map((object) => object.metadata.name), ['pipewright-worker-gpu']);
  });

  it('the schemas catch a wrong manifest (the check is not vacuous)', async () => {
    const out = path.join(tempDir('pipewright-k8s-'), 'manifests');
    assert.equal((await cli(['deploy', 'kubernetes', '--out', out], { env })).code, 0);
    const byKind = await models();
    const deployment = documents(path.join(out, 'pipewright.yaml')).find((object) => object.kind === 'Deployment')!;
    deployment.spec!.replicas = 'two';
    assert.throws(() => new byKind['apps/v1/Deployment']!(deployment).validate());
    const scaled = documents(path.join(out, 'pipewright.yaml')).find((object) => object.kind === 'ScaledObject')!;
    delete scaled.spec!.scaleTargetRef;
    assert.throws(() => new byKind['keda.sh/v1alpha1/ScaledObject']!(scaled).validate());
  });

  it('one orchestrator replica is written with a comment saying what it lacks; bad flags exit 2 naming the flag', async () => {
    const out = path.join(tempDir('pipewright-k8s-'), 'manifests');
    const one = await cli(['deploy', 'kubernetes', '--out', out, '--replicas', '1'], { env });
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /no PostgreSQL store named/);
    const text = fs.readFileSync(path.join(out, 'pipewright.yaml'), 'utf8');
    assert.match(text, /# One replica: nothing serves while it restarts \(give --replicas 2 or more/);
    assert.match(text, /replicas: 1\n/);
    const cases: [string[], RegExp][] = [
      [['--pools', 'GPU'], /--pools GPU: "GPU" is not a pool name Kubernetes can use/],
      [['--pools', 'a,a'], /a pool is named twice/],
      [['--replicas', '0'], /--replicas 0: expected a whole number from 1 to 100/],
      [['--drain-timeout', 'soon'], /--drain-timeout soon: expected a whole number/],
      [['--min-workers', '5', '--max-workers', '2'], /--max-workers 2: below --min-workers 5/],
      [['--prometheus-url', 'nowhere'], /--prometheus-url nowhere: not a URL/],
      [['--storage-size', 'big'], /--storage-size big: expected a size such as 10Gi/],
    ];
    for (const [flags, message] of cases) {
      const refused = await cli(['deploy', 'kubernetes', '--out', path.join(out, 'refused'), ...flags], { env });
      assert.equal(refused.code, 2, `${flags.join(' ')}: ${refused.stderr}`);
      assert.match(refused.stderr, message);
    }
    assert.equal(fs.existsSync(path.join(out, 'refused')), false, 'nothing written for bad flags');
  });
});
