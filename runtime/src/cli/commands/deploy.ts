/**
 * `pipewright deploy kubernetes`: writes the manifests of a cluster (`deploy/kubernetesManifests.ts`)
 * to a folder: `pipewright.yaml` (everything but the Secret) and `secret.yaml` (its tokens and
 * database URL, owner-only, never printed; kept as it is when it exists, so regenerating the
 * manifests does not change the tokens running workers hold).
 */
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document } from 'yaml';
import { resolveStoreUrl } from '../../api/storeFolder';
import { clusterManifests, secretManifest, type KubernetesOptions, type Manifest } from '../../deploy/kubernetesManifests';
import { runtimeVersion } from '../../system/packagePaths';
import { UsageError } from '../errors';

interface DeployFlags {
  out: string;
  image: string;
  pools: string;
  replicas: string;
  name: string;
  namespace?: string;
  drainTimeout: string;
  concurrency: string;
  minWorkers: string;
  maxWorkers: string;
  queuePerWorker: string;
  prometheusUrl: string;
  port: string;
  storageSize: string;
}

/** A Kubernetes object name part: lower-case letters, digits and '-' (DNS-1123). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/;
const PLACEHOLDER_STORE_URL = 'postgres://pipewright@postgres:5432/pipewright';

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`${flag} ${text}: expected a whole number from ${min} to ${max}`);
  return value;
}

/** The generator's options from the flags; a bad one is a UsageError naming the flag. */
export function kubernetesOptions(flags: DeployFlags): KubernetesOptions {
  if (!DNS_LABEL.test(flags.name)) throw new UsageError(`--name ${flags.name}: expected lower-case letters, digits and '-' (a Kubernetes name), at most 32`);
  if (flags.namespace !== undefined && !DNS_LABEL.test(flags.namespace)) throw new UsageError(`--namespace ${flags.namespace}: expected lower-case letters, digits and '-' (a Kubernetes namespace)`);
  const pools = flags.pools.split(',').map((pool) => pool.trim());
  for (const pool of pools) if (!DNS_LABEL.test(pool)) throw new UsageError(`--pools ${flags.pools}: "${pool}" is not a pool name Kubernetes can use in a name (lower-case letters, digits and '-', at most 32)`);
  if (new Set(pools).size !== pools.length) throw new UsageError(`--pools ${flags.pools}: a pool is named twice`);
  if (flags.image.trim() === '' || /\s/.test(flags.image)) throw new UsageError(`--image ${JSON.stringify(flags.image)}: expected an image reference (registry/name:tag)`);
  let prometheus: URL;
  try {
    prometheus = new URL(flags.prometheusUrl);
  } catch {
    throw new UsageError(`--prometheus-url ${flags.prometheusUrl}: not a URL (expected http://prometheus.monitoring.svc:9090)`);
  }
  if (prometheus.protocol !== 'http:' && prometheus.protocol !== 'https:') throw new UsageError(`--prometheus-url ${flags.prometheusUrl}: expected an http(s) URL`);
  if (!/^\d+(\.\d+)?(Ki|Mi|Gi|Ti)$/.test(flags.storageSize)) throw new UsageError(`--storage-size ${flags.storageSize}: expected a size such as 10Gi`);
  const minWorkers = wholeNumber('--min-workers', flags.minWorkers, 0, 10_000);
  const maxWorkers = wholeNumber('--max-workers', flags.maxWorkers, 1, 10_000);
  if (maxWorkers < minWorkers) throw new UsageError(`--max-workers ${maxWorkers}: below --min-workers ${minWorkers}`);
  return {
    name: flags.name,
    ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
    image: flags.image,
    pools,
    replicas: wholeNumber('--replicas', flags.replicas, 1, 100),
    drainTimeoutS: wholeNumber('--drain-timeout', flags.drainTimeout, 1, 86_400),
    concurrency: wholeNumber('--concurrency', flags.concurrency, 1, 1024),
    minWorkers,
    maxWorkers,
    queuePerWorker: wholeNumber('--queue-per-worker', flags.queuePerWorker, 1, 100_000),
    prometheusUrl: flags.prometheusUrl.replace(/\/+$/, ''),
    port: wholeNumber('--port', flags.port, 1, 65_535),
    storageSize: flags.storageSize,
  };
}

/** Manifests as one multi-document YAML text, each with its comment above it. */
export function yamlOf(manifests: readonly Manifest[]): string {
  return manifests
    .map((manifest) => {
      // Every object written out in full (no YAML anchors and aliases for repeated labels).
      const doc = new Document(manifest.object, { aliasDuplicateObjects: false });
      if (manifest.comment) doc.commentBefore = ` ${manifest.comment}`;
      return doc.toString({ lineWidth: 0 });
    })
    .join('---\n');
}

export function registerDeployCommands(program: Command): void {
  const deploy = program.command('deploy').description('write deployment manifests for a cluster');
  deploy
    .command('kubernetes')
    .description('write Kubernetes manifests: the orchestrator (Deployment, Service, Secret) and per pool a worker Deployment, PodDisruptionBudget and KEDA ScaledObject')
    .option('--out <dir>', 'folder to write pipewright.yaml and secret.yaml to', 'pipewright-kubernetes')
    .option('--image <image>', 'image with Node and pipewright installed (and what pipelines import)', `pipewright:${runtimeVersion}`)
    .option('--pools <names>', 'worker pools, comma-separated', 'default')
    .option('--replicas <n>', 'orchestrator replicas: one leads, the others serve the API and take over within a second when it dies', '2')
    .option('--name <name>', 'prefix of every object name', 'pipewright')
    .option('--namespace <namespace>', 'namespace of every object (default: the one kubectl applies to)')
    .option('--drain-timeout <seconds>', 'seconds a worker lets attempts finish after SIGTERM', '60')
    .option('--concurrency <n>', 'attempts per worker', '1')
    .option('--min-workers <n>', 'workers per pool at least (0: scale to zero)', '1')
    .option('--max-workers <n>', 'workers per pool at most', '10')
    .option('--queue-per-worker <n>', 'queued attempts per worker KEDA aims at', '1')
    .option('--prometheus-url <url>', 'the Prometheus that scrapes the orchestrator, for KEDA', 'http://prometheus.monitoring.svc:9090')
    .option('--port <port>', "the orchestrator's port", '7420')
    .option('--storage-size <size>', "size limit of each orchestrator pod's scratch store folder (copies of artifacts and bundles; the database holds them)", '10Gi')
    .action((flags: DeployFlags, command: Command) => {
      const options = kubernetesOptions(flags);
      const out = path.resolve(flags.out);
      fs.mkdirSync(out, { recursive: true });
      const secretFile = path.join(out, 'secret.yaml');
      const manifestFile = path.join(out, 'pipewright.yaml');
      const manifests = clusterManifests(options);
      fs.writeFileSync(manifestFile, yamlOf(manifests));
      process.stdout.write(`wrote ${manifestFile} (${manifests.length} objects)\n`);
      if (fs.existsSync(secretFile)) {
        process.stdout.write(`kept ${secretFile} (its tokens stay those the cluster uses; delete it to make new ones)\n`);
      } else {
        const storeUrl = resolveStoreUrl(command.optsWithGlobals<{ store?: string }>().store);
        const secrets = { serverToken: randomBytes(32).toString('base64url'), runnerToken: randomBytes(32).toString('base64url'), storeUrl: storeUrl ?? PLACEHOLDER_STORE_URL };
        fs.writeFileSync(secretFile, yamlOf([secretManifest(options, secrets)]), { mode: 0o600, flag: 'wx' });
        fs.chmodSync(secretFile, 0o600);
        process.stdout.write(`wrote ${secretFile} (tokens and the database URL, mode 0600; not printed)\n`);
        if (storeUrl === undefined) process.stderr.write(`pipewright: no PostgreSQL store named (--store postgres://... or $PIPEWRIGHT_STORE_URL): ${secretFile} holds ${PLACEHOLDER_STORE_URL}; put the real URL in its store-url before applying\n`);
      }
      process.stdout.write(`apply: kubectl apply -f ${secretFile} -f ${manifestFile} (KEDA and a Prometheus scraping /metrics with a metrics token are assumed; see the README)\n`);
    });
}
