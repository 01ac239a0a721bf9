// One esbuild script for every entry: the runtime (SDK, CLI, runner), the extension client,
// the language server and the webview. Type checking is separate (`tsc -b`).
// Flags: --watch, --production, --runtime (only the runtime package's bundles: its `prepack`).
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const runtimeOnly = process.argv.includes('--runtime');

/**
 * zod from node_modules is 95 files (64 of them the locales of its error messages, which nothing
 * here uses: its schemas module registers English itself); resolving and compiling them was half
 * of a runner's start-up, and of a command's that validates. So the runtime's bundles require
 * `./zod.js`, zod bundled once beside them without those locales (and without a source map: its
 * frames are never the user's). Copies of zod share its settings through globalThis and tell
 * schemas by traits, so the type provider's own zod works with schemas made by this one.
 */
const ZOD_LOCALES = /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.c?js$/;
const zodWithoutLocales = {
  name: 'zod-without-locales',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.c?js$/ }, (args) => (ZOD_LOCALES.test(path.join(args.resolveDir, args.path)) ? { path: 'zod-locales', namespace: 'zod-locales' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};
const zodBeside = {
  name: 'zod-beside',
  setup(build) {
    build.onResolve({ filter: /^zod$/ }, () => ({ path: './zod.js', external: true }));
  },
};

/**
 * TypeScript as our sources import it (`import ts from 'typescript'`), once per bundle, as a plain
 * copy of its exports: esbuild would otherwise copy its 2,500 exports into a fresh namespace
 * object for each of the 21 modules that import it (__toESM; 26 ms of a cold analysis), and
 * TypeScript's own exports are getters, a call for each `ts.isIdentifier` or `ts.SyntaxKind` of
 * the engine's walks (a copy's plain properties: 90 ms less of a cold analysis, 968 -> 878 ms,
 * medians of 5 in turns). Of its exports only `sys` can change after it loads (`setSys`, which
 * nothing here calls). Where TypeScript stays outside the
 * bundle (the runtime's analysis engine), it is loaded through V8's code cache
 * (runtime/src/system/codeCache.ts), a seventh of a cold analysis on Node 20; the server's
 * bundle, TypeScript inside, is loaded that way by its entry (server/src/launcher.ts).
 */
const typescriptOnce = (external) => ({
  name: 'typescript-once',
  setup(build) {
    build.onResolve({ filter: /^typescript$/ }, (args) => (args.namespace === 'typescript-once' ? undefined : { path: 'typescript', namespace: 'typescript-once' }));
    build.onLoad({ filter: /.*/, namespace: 'typescript-once' }, () => ({
      resolveDir: root,
      loader: 'js',
      contents: external
        ? "import { requireWithCodeCache } from './runtime/src/system/codeCache';\nexport default { ...requireWithCodeCache(require.resolve('typescript')) };\n"
        : "export default { ...require('typescript') };\n",
    }));
  },
});

const runtimeBase = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  plugins: [zodBeside],
  sourcemap: true,
  keepNames: true,
  minify: production,
  logLevel: 'warning',
};

const runtimeContexts = [
  { ...runtimeBase, packages: undefined, sourcemap: false, keepNames: false, plugins: [zodWithoutLocales], entryPoints: { zod: 'node_modules/zod/index.js' }, outdir: 'runtime/dist' },
  { ...runtimeBase, entryPoints: { index: 'runtime/src/index.ts', cli: 'runtime/src/cli/main.ts', runner: 'runtime/src/runner/main.ts', heartbeatWorker: 'runtime/src/runner/heartbeatWorker.ts', analysisWorker: 'runtime/src/cli/commands/analysisWorker.ts' }, outdir: 'runtime/dist' },
  // The analysis engine, for the runtime CLI's `check` and `dag` (loaded at run time: the runtime
  // project cannot import the server's sources without a reference cycle).
  // Without keepNames: its helper wraps every closure the engine's hot walks create.
  { ...runtimeBase, keepNames: false, plugins: [zodBeside, typescriptOnce(true)], entryPoints: { analysis: 'server/src/analysis/index.ts' }, outdir: 'runtime/dist' },
];

/** Where the TypeScript server plugin's package is written (the name package.json's `typescriptServerPlugins` gives). */
const TYPESCRIPT_PLUGIN_DIR = 'node_modules/pipewright-typescript-plugin';

const editorContexts = [
  // The language client is its own bundle, loaded after activation (client/src/analysisServer.ts).
  { bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], sourcemap: !production, minify: production, entryPoints: { extension: 'client/src/extension.ts', languageClient: 'client/src/languageClient.ts' }, outdir: 'dist/client', logLevel: 'warning' },
  // The server bundles TypeScript; its lib .d.ts files are copied beside it (copyTypeScriptLibs), so
  // the packaged extension needs no node_modules. The client starts `server.js`, the launcher
  // (server/src/launcher.ts), which loads this bundle through V8's code cache.
  { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: !production, minify: production, plugins: [typescriptOnce(false)], entryPoints: { languageServer: 'server/src/server.ts' }, outdir: 'dist/server', logLevel: 'warning' },
  { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: false, minify: production, entryPoints: { server: 'server/src/launcher.ts' }, outdir: 'dist/server', logLevel: 'warning' },
  // The TypeScript server plugin the extension contributes (`typescriptServerPlugins`): tsserver
  // loads it by package name from the extension's node_modules (writeTypeScriptPluginPackage).
  { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: false, minify: production, entryPoints: { index: 'server/src/typescriptPlugin/index.ts' }, outdir: TYPESCRIPT_PLUGIN_DIR, logLevel: 'warning' },
  { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: production, entryPoints: { main: 'webview/src/main.ts' }, outdir: 'dist/webview', logLevel: 'warning' },
  // elkjs's worker script for the webview (a Web Worker started from a Blob URL; the page loads it
  // as a script only when no worker can start). elkjs ships it minified, so it stays minified and
  // without a source map in every build (half the bytes to fetch and parse).
  { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: false, minify: true, entryPoints: { layoutWorker: 'webview/src/layoutWorker.ts' }, outdir: 'dist/webview', logLevel: 'warning' },
];

/** ESM entry of the runtime: re-exports the CommonJS build so both module systems share one instance. */
function writeEsmWrapper() {
  const require = createRequire(import.meta.url);
  const cjsPath = path.join(root, 'runtime/dist/index.js');
  delete require.cache[cjsPath];
  const names = Object.keys(require(cjsPath)).filter((name) => name !== 'default' && name !== '__esModule');
  const text = `// Generated by scripts/build.mjs: the ESM face of the CommonJS build (one module instance for both).\nimport cjs from './index.js';\nexport const { ${names.join(', ')} } = cjs;\nexport default cjs;\n`;
  fs.writeFileSync(path.join(root, 'runtime/dist/index.mjs'), text);
}

/**
 * TypeScript's lib .d.ts files beside the server bundle: the bundled compiler looks for them next
 * to its own file (`ts.getDefaultLibFilePath`), and the analysis's typed program needs them.
 */
function copyTypeScriptLibs() {
  const from = path.join(root, 'node_modules/typescript/lib');
  const to = path.join(root, 'dist/server');
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) if (/^lib\.(.*\.)?d\.ts$/.test(name)) fs.copyFileSync(path.join(from, name), path.join(to, name));
}

/** The plugin's package.json, so tsserver resolves `pipewright-typescript-plugin` to the bundle. */
function writeTypeScriptPluginPackage() {
  const to = path.join(root, TYPESCRIPT_PLUGIN_DIR);
  fs.mkdirSync(to, { recursive: true });
  fs.writeFileSync(path.join(to, 'package.json'), `${JSON.stringify({ name: 'pipewright-typescript-plugin', version: '0.1.0', private: true, main: 'index.js' }, null, 2)}\n`);
}

// Entry points are relative to the repository root, wherever the script was started from (the runtime's prepack runs in runtime/).
const contexts = (runtimeOnly ? runtimeContexts : [...runtimeContexts, ...editorContexts]).map((options) => ({ absWorkingDir: root, ...options }));

process.chdir(root);
if (!runtimeOnly) {
  copyTypeScriptLibs();
  writeTypeScriptPluginPackage();
}
if (watch) {
  for (const options of contexts) {
    const context = await esbuild.context({ ...options, plugins: [...(options.plugins ?? []), { name: 'esm-wrapper', setup: (b) => b.onEnd(() => options.outdir === 'runtime/dist' && writeEsmWrapper()) }] });
    await context.watch();
  }
} else {
  await Promise.all(contexts.map((options) => esbuild.build(options)));
  writeEsmWrapper();
}
