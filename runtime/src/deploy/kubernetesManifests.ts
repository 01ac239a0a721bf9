/**
 * The Kubernetes objects of a Pipewright cluster (`pipewright deploy kubernetes`), as plain
 * data: the orchestrator (a Deployment of replicas of one store, its Service), the Secret
 * with its tokens and database URL, and per worker pool a Deployment of `pipewright worker`, a
 * PodDisruptionBudget and a KEDA ScaledObject that scales it on the pool's queue depth as
 * Prometheus scrapes it from the orchestrator's `/metrics`. Pure: the command writes them.
 */

/** Any Kubernetes object: the generator builds them as plain data, tests check them against the schemas. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** An object and the comment written above it. */
export interface Manifest {
  object: KubeObject;
  comment?: string;
}

export interface KubernetesOptions {
  /** Prefix of every object's name (`pipewright`). */
  name: string;
  namespace?: string;
  /** The image: Node, `pipewright` on the PATH, and in its working folder the packages pipelines load. */
  image: string;
  /** Worker pools: one Deployment, PodDisruptionBudget and ScaledObject each. */
  pools: readonly string[];
  /** Orchestrator replicas: one leads, the others are its replicas (runtime/src/store/storeCluster.ts). */
  replicas: number;
  /** Seconds a worker lets running attempts finish after SIGTERM before handing them back. */
  drainTimeoutS: number;
  /** Attempts one worker runs at once. */
  concurrency: number;
  minWorkers: number;
  maxWorkers: number;
  /** Queued attempts per worker KEDA aims at. */
  queuePerWorker: number;
  /** The Prometheus KEDA asks for the queue depth. */
  prometheusUrl: string;
  /** The orchestrator's port. */
  port: number;
  /** Size limit of each orchestrator pod's scratch store folder (copies of artifacts and bundles, which the database holds): `10Gi`. */
  storageSize: string;
}

/** What the Secret holds (its values never leave the files the command writes). */
export interface ClusterSecrets {
  serverToken: string;
  runnerToken: string;
  storeUrl: string;
}

/** Seconds a worker's pod gets beyond its drain timeout to hand back attempts and exit. */
export const GRACE_BEYOND_DRAIN_S = 30;

const STORE_DIR = '/var/lib/pipewright';
const TOKEN_DIR = '/var/run/pipewright';
const WORK_DIR = '/work';

export function secretName(options: Pick<KubernetesOptions, 'name'>): string {
  return `${options.name}-secrets`;
}

/** The Secret, alone (the command writes it to a file of its own, owner-only). */
export function secretManifest(options: KubernetesOptions, secrets: ClusterSecrets): Manifest {
  const data = { 'server-token': secrets.serverToken, 'runner-token': secrets.runnerToken, 'store-url': secrets.storeUrl };
  return {
    comment: 'The orchestrator\'s tokens and database URL. server-token holds every scope (give users tokens of their own: pipewright tokens create --scope user); runner-token is the workers\' (scope worker). Keep this file out of version control.',
    object: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(options, secretName(options), 'orchestrator'),
      type: 'Opaque',
      data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
    },
  };
}

/** Every object but the Secret, in the order `kubectl apply` should meet them. */
export function clusterManifests(options: KubernetesOptions): Manifest[] {
  const orchestrator = `${options.name}-orchestrator`;
  const orchestratorLabels = labels(options, 'orchestrator');
  const fromSecret = (env: string, key: string) => ({ name: env, valueFrom: { secretKeyRef: { name: secretName(options), key } } });
  const manifests: Manifest[] = [
    {
      comment:
        options.replicas > 1
          ? `${options.replicas} replicas of one store: the pod holding the database's claim leads (schedules, drives runs, holds the workers' queue); the others serve the API and the event stream, forward the rest to it (at its pod IP), and one of them takes over within about a second when it dies. Runs, events, artifacts and bundles are in PostgreSQL: each pod's store folder is scratch.`
          : 'One replica: nothing serves while it restarts (give --replicas 2 or more: replicas serve meanwhile and one takes over within about a second). Runs, events, artifacts and bundles are in PostgreSQL: the store folder is scratch.',
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(options, orchestrator, 'orchestrator'),
        spec: {
          replicas: options.replicas,
          selector: { matchLabels: orchestratorLabels },
          template: {
            metadata: { labels: orchestratorLabels, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/path': '/metrics', 'prometheus.io/port': String(options.port) } },
            spec: {
              terminationGracePeriodSeconds: 30,
              containers: [
                {
                  name: 'orchestrator',
                  image: options.image,
                  command: ['pipewright'],
                  args: ['server', 'start', '--foreground', '--host', '0.0.0.0', '--port', String(options.port), '--workers', 'remote'],
                  env: [
                    { name: 'PIPEWRIGHT_STORE', value: STORE_DIR },
                    // Where the other replicas forward to while this pod leads.
                    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                    { name: 'PIPEWRIGHT_ADVERTISE_URL', value: `http://$(POD_IP):${options.port}` },
                    fromSecret('PIPEWRIGHT_STORE_URL', 'store-url'),
                    fromSecret('PIPEWRIGHT_SERVER_TOKEN', 'server-token'),
                    fromSecret('PIPEWRIGHT_RUNNER_TOKEN', 'runner-token'),
                  ],
                  ports: [{ name: 'http', containerPort: options.port }],
                  // Every HTTP route needs a token: a listening socket is the probe (a daemon that lost the database exits).
                  readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 5 },
                  livenessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 10, failureThreshold: 6 },
                  volumeMounts: [{ name: 'store', mountPath: STORE_DIR }],
                  securityContext: { allowPrivilegeEscalation: false },
                },
              ],
              volumes: [{ name: 'store', emptyDir: { sizeLimit: options.storageSize } }],
            },
          },
        },
      },
    },
    {
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta(options, orchestrator, 'orchestrator'),
        spec: { selector: orchestratorLabels, ports: [{ name: 'http', port: options.port, targetPort: 'http' }] },
      },
    },
  ];
  for (const pool of options.pools) manifests.push(...poolManifests(options, pool, `http://${orchestrator}:${options.port}`));
  return manifests;
}

function poolManifests(options: KubernetesOptions, pool: string, orchestratorUrl: string): Manifest[] {
  const worker = `${options.name}-worker-${pool}`;
  const poolLabels = { ...labels(options, 'worker'), 'pipewright.dev/pool': pool };
  return [
    {
      comment: `Workers of pool ${pool}. On SIGTERM (a scale-down, an eviction) a worker stops claiming, lets its attempts finish for --drain-timeout, then hands the rest back; the pod's grace period is ${GRACE_BEYOND_DRAIN_S} s longer.`,
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: meta(options, worker, 'worker', pool),
        spec: {
          replicas: options.minWorkers,
          selector: { matchLabels: poolLabels },
          template: {
            metadata: { labels: poolLabels },
            spec: {
              terminationGracePeriodSeconds: options.drainTimeoutS + GRACE_BEYOND_DRAIN_S,
              containers: [
                {
                  name: 'worker',
                  image: options.image,
                  command: ['pipewright'],
                  args: ['worker', '--orchestrator', orchestratorUrl, '--token-file', `${TOKEN_DIR}/runner-token`, '--pool', pool, '--concurrency', String(options.concurrency), '--drain-timeout', String(options.drainTimeoutS), '--work-dir', WORK_DIR],
                  volumeMounts: [
                    { name: 'token', mountPath: TOKEN_DIR, readOnly: true },
                    { name: 'work', mountPath: WORK_DIR },
                  ],
                  securityContext: { allowPrivilegeEscalation: false },
                },
              ],
              volumes: [
                // Owner-only, as the worker requires of a token file.
                { name: 'token', secret: { secretName: secretName(options), items: [{ key: 'runner-token', path: 'runner-token' }], defaultMode: 0o400 } },
                { name: 'work', emptyDir: {} },
              ],
            },
          },
        },
      },
    },
    {
      comment: `Voluntary disruptions (node drains) take the workers of pool ${pool} one at a time.`,
      object: {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: meta(options, worker, 'worker', pool),
        spec: { maxUnavailable: 1, selector: { matchLabels: poolLabels } },
      },
    },
    {
      comment: `KEDA scales pool ${pool} on its queue depth (pipewright_queue_depth, scraped from the orchestrator's /metrics by the Prometheus at ${options.prometheusUrl}).`,
      object: {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: meta(options, worker, 'worker', pool),
        spec: {
          scaleTargetRef: { name: worker },
          minReplicaCount: options.minWorkers,
          maxReplicaCount: options.maxWorkers,
          cooldownPeriod: Math.max(60, options.drainTimeoutS),
          triggers: [
            {
              type: 'prometheus',
              metadata: {
                serverAddress: options.prometheusUrl,
                query: `sum(pipewright_queue_depth{pool="${pool}"})`,
                threshold: String(options.queuePerWorker),
              },
            },
          ],
        },
      },
    },
  ];
}

function labels(options: KubernetesOptions, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'pipewright', 'app.kubernetes.io/instance': options.name, 'app.kubernetes.io/component': component };
}

function meta(options: KubernetesOptions, name: string, component: string, pool?: string): KubeObject['metadata'] {
  return {
    name,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    labels: { ...labels(options, component), ...(pool === undefined ? {} : { 'pipewright.dev/pool': pool }) },
  };
}
