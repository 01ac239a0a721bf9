// Hosts of their own on one machine, for tests of what crosses a network: each host is a Linux
// network namespace (`ip netns`) whose veth pair joins a bridge in the root namespace. The bridge
// holds the network's gateway address (where a daemon under test listens); every address is in a
// private 10.x/24 that no other interface of this machine uses, so traffic never leaves the
// machine. Cutting a host's link (`ip link set ... down` on its root-side end) drops its packets
// both ways, as a partition does: connections time out rather than being refused.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Every name this module gives starts so: `pwt<pid in base 36>-<random>`, so a dead test's leftovers are recognized. */
const PREFIX = 'pwt';

export interface TestHost {
  /** The namespace's name. */
  readonly name: string;
  /** The host's address on the test network. */
  readonly address: string;
  /** The command prefix that runs a program inside the host: `ip netns exec NAME`. */
  readonly exec: readonly string[];
  /** Cuts the host's link: nothing it sends arrives, nothing sent to it arrives. */
  cut(): Promise<void>;
  /** Restores the link, and waits until the host reaches the gateway again. */
  restore(): Promise<void>;
}

export interface TestNetwork {
  /** The root namespace's address on the network (the bridge's): where a daemon under test listens. */
  readonly gateway: string;
  readonly hosts: readonly TestHost[];
  addHost(): Promise<TestHost>;
  /** Removes every namespace, link and the bridge; idempotent. */
  close(): Promise<void>;
}

async function ip(args: string[]): Promise<string> {
  try {
    return (await run('ip', args, { encoding: 'utf8' })).stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${(failure.stderr ?? '').trim() || failure.message}`);
  }
}

/**
 * Fails (never skips) when this machine cannot make network namespaces: the cluster fault suite
 * needs them, and CI machines are of this kind.
 */
export function requireNetworkNamespaces(): void {
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const problem = probe.error
    ? `iproute2's ip is not installed (${probe.error.message})`
    : probe.status !== 0
      ? `ip netns list failed: ${probe.stderr.trim()}`
      : process.getuid?.() !== 0
        ? 'creating namespaces needs root'
        : undefined;
  if (problem) throw new Error(`network namespaces are unavailable on this machine: ${problem}. The cluster fault suite runs each worker as a host of its own (ip netns, veth, a bridge) and cannot run without them`);
}

/** Namespaces and bridges left by a test process that died before its cleanup ran. */
function removeLeftovers(): void {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const pidOf = (name: string) => {
    const match = new RegExp(`^${PREFIX}([0-9a-z]+)-`).exec(name);
    return match ? parseInt(match[1]!, 36) : undefined;
  };
  const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((line) => line.split(' ')[0]!);
  for (const name of namespaces) {
    const pid = pidOf(name);
    if (pid !== undefined && pid !== process.pid && !alive(pid)) spawnSync('ip', ['netns', 'delete', name]);
  }
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.split('\n').map((line) => line.split(': ')[1]?.split('@')[0] ?? '');
  for (const name of links) {
    const pid = pidOf(name);
    if (pid !== undefined && pid !== process.pid && !alive(pid)) spawnSync('ip', ['link', 'delete', name]);
  }
}

/** A /24 in 10.200.0.0–10.249.255.0 that no interface of this machine has an address in. */
async function freeSubnet(): Promise<string> {
  const used = await ip(['-o', '-4', 'addr', 'show']);
  for (let tries = 0; tries < 50; tries++) {
    const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
    if (!used.includes(` ${subnet}.`)) return subnet;
  }
  throw new Error('no free 10.x/24 subnet for the test network');
}

/** A bridge with the gateway address, to which hosts are added; removed by `close()` (also when the process exits first). */
export async function createTestNetwork(): Promise<TestNetwork> {
  requireNetworkNamespaces();
  removeLeftovers();
  const id = `${PREFIX}${process.pid.toString(36)}-${randomBytes(2).toString('hex')}`;
  const bridge = `${id}b`;
  const subnet = await freeSubnet();
  const gateway = `${subnet}.1`;
  const hosts: TestHost[] = [];
  const namespaces: string[] = [];
  let closed = false;
  const removeAll = () => {
    for (const name of namespaces) spawnSync('ip', ['netns', 'delete', name]);
    spawnSync('ip', ['link', 'delete', bridge]);
  };
  const onExit = () => removeAll();
  process.on('exit', onExit);
  const close = async () => {
    if (closed) return;
    closed = true;
    process.off('exit', onExit);
    removeAll();
  };
  try {
    await ip(['link', 'add', bridge, 'type', 'bridge']);
    await ip(['addr', 'add', `${gateway}/24`, 'dev', bridge]);
    await ip(['link', 'set', bridge, 'up']);
  } catch (error) {
    await close();
    throw error;
  }

  /** A TCP connection from the host to a closed port of the gateway is refused at once when the link is up; it times out when cut. */
  const reaches = (name: string) => {
    const probe = spawnSync('ip', ['netns', 'exec', name, 'timeout', '1', 'bash', '-c', `exec 3<>/dev/tcp/${gateway}/9`], { encoding: 'utf8' });
    return probe.status === 0 || /refused/i.test(probe.stderr);
  };

  const addHost = async (): Promise<TestHost> => {
    const n = hosts.length + 1;
    if (n > 9) throw new Error('a test network has at most 9 hosts (link names are at most 15 characters)');
    const name = `${id}h${n}`;
    // Link names are at most 15 characters: `pwt<pid36>-<4 hex>` is at most 13, and a host number of one digit.
    const outside = `${id}o${n}`;
    const inside = `${id}i${n}`;
    const address = `${subnet}.${n + 1}`;
    await ip(['netns', 'add', name]);
    namespaces.push(name);
    await ip(['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
    await ip(['link', 'set', inside, 'netns', name]);
    await ip(['link', 'set', outside, 'master', bridge]);
    await ip(['link', 'set', outside, 'up']);
    await ip(['-n', name, 'addr', 'add', `${address}/24`, 'dev', inside]);
    await ip(['-n', name, 'link', 'set', inside, 'up']);
    await ip(['-n', name, 'link', 'set', 'lo', 'up']);
    const host: TestHost = {
      name,
      address,
      exec: ['ip', 'netns', 'exec', name],
      cut: async () => {
        await ip(['link', 'set', outside, 'down']);
      },
      restore: async () => {
        await ip(['link', 'set', outside, 'up']);
        await untilReached(name);
      },
    };
    await untilReached(name);
    hosts.push(host);
    return host;
  };

  async function untilReached(name: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!reaches(name)) {
      if (Date.now() > deadline) throw new Error(`host ${name} does not reach the gateway ${gateway}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  return { gateway, hosts, addHost, close };
}

/** The test file's own network with `hostCount` hosts: made before its first test, removed after its last. */
export function testNetworkForFile(hostCount: number): () => TestNetwork {
  let network: TestNetwork | undefined;
  before(async () => {
    network = await createTestNetwork();
    for (let i = 0; i < hostCount; i++) await network.addHost();
  });
  after(() => network?.close());
  return () => {
    if (!network) throw new Error('the test network of this file has not been made (call testNetworkForFile at the top level)');
    return network;
  };
}
