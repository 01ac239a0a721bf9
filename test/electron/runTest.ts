/**
 * The @vscode/test-electron integration suite: downloads VS Code (the minimum `engines.vscode` and
 * stable, cached under node_modules/.cache/vscode-test), opens a copy of test/fixtures/e2e-workspace
 * with the extension under development loaded from the repository root, and runs the mocha suite in
 * test/electron/suite inside its extension host.
 *
 *   npm run test:electron                                  build, then both versions
 *   PIPEWRIGHT_VSCODE_VERSIONS=stable npm run test:electron  only these versions (comma-separated)
 *   PIPEWRIGHT_VSCODE_EXECUTABLE=/path/to/code npm run test:electron   a local VS Code, no download
 *
 * It needs network access to update.code.visualstudio.com (unless PIPEWRIGHT_VSCODE_EXECUTABLE is
 * set) and, on Linux, a display (in CI: `xvfb-run -a npm run test:electron`).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { copyFixtureWorkspace, repoRoot } from '../e2e/fixtureWorkspace';

const cli = path.join(repoRoot, 'runtime', 'bin', 'pipewright.js');
const cachePath = path.join(repoRoot, 'node_modules', '.cache', 'vscode-test');
const suiteOut = path.join(repoRoot, 'out', 'electron', 'suite');

/** Thrown for a problem this script can name precisely; printed as one line, without a stack. */
class SetupError extends Error {}

function minimumVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { engines: { vscode: string } };
  const match = /\d+\.\d+\.\d+/.exec(manifest.engines.vscode);
  if (!match) throw new SetupError(`package.json engines.vscode "${manifest.engines.vscode}" names no version`);
  return match[0];
}

function versions(): string[] {
  const fromEnv = process.env.PIPEWRIGHT_VSCODE_VERSIONS?.split(',').map((v) => v.trim()).filter(Boolean);
  return fromEnv?.length ? fromEnv : [minimumVersion(), 'stable'];
}

/** The extension host loads the suite with require(): bundle it to CommonJS (vscode and mocha stay external). */
async function bundleSuite(): Promise<string> {
  const dir = path.join(__dirname, 'suite');
  const entries = fs.readdirSync(dir).filter((name) => name === 'index.ts' || name.endsWith('.spec.ts')).map((name) => path.join(dir, name));
  fs.rmSync(suiteOut, { recursive: true, force: true });
  await esbuild.build({ entryPoints: entries, outdir: suiteOut, bundle: true, platform: 'node', format: 'cjs', target: 'node18', external: ['vscode', 'mocha'], sourcemap: 'inline', logLevel: 'warning' });
  return path.join(suiteOut, 'index.js');
}

function requireBuild(): void {
  const needed = ['dist/client/extension.js', 'dist/server/server.js', 'runtime/dist/cli.js', 'runtime/dist/index.js'];
  const missing = needed.filter((file) => !fs.existsSync(path.join(repoRoot, file)));
  if (missing.length) throw new SetupError(`missing build output ${missing.join(', ')}: run \`node scripts/build.mjs\` first (npm run test:electron does)`);
}

function writeUserSettings(userDataDir: string): void {
  const settings = {
    // The suite runs the workspace's code; the trust prompt would block it.
    'security.workspace.trust.enabled': false,
    // The runtime's SQLite module is native and built for this Node, not for VS Code's Electron.
    'pipewright.runtime.node': process.execPath,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'workbench.startupEditor': 'none',
    'extensions.autoCheckUpdates': false,
  };
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

async function vscodeExecutable(version: string): Promise<string> {
  const local = process.env.PIPEWRIGHT_VSCODE_EXECUTABLE;
  if (local) {
    if (!fs.existsSync(local)) throw new SetupError(`PIPEWRIGHT_VSCODE_EXECUTABLE=${local} does not exist`);
    return local;
  }
  try {
    return await downloadAndUnzipVSCode({ version, cachePath, timeout: 60_000 });
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new SetupError(
      `could not download VS Code ${version} (from update.code.visualstudio.com into ${path.relative(repoRoot, cachePath)}): ${cause}\n` +
        'This suite needs a VS Code build: run it where that host is reachable, or set PIPEWRIGHT_VSCODE_EXECUTABLE to a local VS Code executable.',
    );
  }
}

async function runOnce(version: string, extensionTestsPath: string): Promise<void> {
  const executable = await vscodeExecutable(version);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pipewright-electron-'));
  const workspace = copyFixtureWorkspace(root);
  const userDataDir = path.join(root, 'user-data');
  writeUserSettings(userDataDir);
  // runTests adds --no-sandbox, --disable-updates, --skip-welcome, --skip-release-notes and
  // --disable-workspace-trust itself; --disable-extensions leaves the development extension on.
  const launchArgs = [workspace, '--disable-extensions', '--disable-gpu', '--user-data-dir', userDataDir, '--extensions-dir', path.join(root, 'extensions')];
  process.stdout.write(`\n== VS Code ${version}: ${executable}\n   workspace ${workspace}\n`);
  try {
    await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath,
      launchArgs,
      extensionTestsEnv: { PIPEWRIGHT_TEST_NODE: process.execPath, PIPEWRIGHT_TEST_CLI: cli },
    });
  } finally {
    // The first run starts the workspace's daemon; it must not outlive the test.
    try {
      execFileSync(process.execPath, [cli, 'server', 'stop'], { cwd: workspace, stdio: 'ignore', timeout: 30_000 });
    } catch {
      // No daemon was started, or it is already gone.
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  requireBuild();
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    process.stderr.write('warning: no DISPLAY: VS Code needs one on Linux (run `xvfb-run -a npm run test:electron`)\n');
  }
  const extensionTestsPath = await bundleSuite();
  for (const version of versions()) await runOnce(version, extensionTestsPath);
}

main().catch((error: unknown) => {
  if (error instanceof SetupError) process.stderr.write(`test:electron: ${error.message}\n`);
  else process.stderr.write(`test:electron failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
