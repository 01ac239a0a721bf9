import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';

interface InternalModule {
  filename: string;
  paths: string[];
  require(id: string): unknown;
  _compile(code: string, filename: string): void;
}

interface ModuleStatics {
  new (id: string, parent?: unknown): InternalModule;
  _nodeModulePaths(from: string): string[];
}

/**
 * The bundles this process evaluated. Node (20+) keeps a CommonJS module's source map only while
 * its module object is alive, and nothing else refers to these (they are not in `require.cache`):
 * once collected, stacks and compile-error locations would name the bundle, not the source.
 */
const loadedBundles: InternalModule[] = [];

/**
 * Evaluates a pipeline bundle (CommonJS, `pipewright` left external) so that its
 * `require('pipewright')` returns `sdk`, this process's own instance: steps then register in
 * the registry the runner reads, whichever copy of pipewright the project installed.
 * The bundle's other externals (native packages, listed ones) are resolved from the
 * node_modules of `resolveFrom` (the project, then the working folder), then from beside the
 * bundle: the bundle lives in the store, which need not be inside the project.
 */
export function loadBundle(bundlePath: string, sdk: unknown, resolveFrom: readonly string[] = []): void {
  const Ctor = Module as unknown as ModuleStatics;
  const mod = new Ctor(bundlePath);
  mod.filename = bundlePath;
  mod.paths = [...new Set([...resolveFrom, path.dirname(bundlePath)].flatMap((dir) => Ctor._nodeModulePaths(dir)))];
  const requireFromBundle = mod.require.bind(mod);
  mod.require = (id: string) => (id === 'pipewright' ? sdk : requireFromBundle(id));
  loadedBundles.push(mod);
  mod._compile(fs.readFileSync(bundlePath, 'utf8'), bundlePath);
}

/**
 * Makes Node compile the CommonJS modules it loads from now on (the bundle among them) as scripts
 * (`vm.Script`, as it does once `Module.wrap` has been set) instead of with `compileFunction`. A
 * debugger binds breakpoints set in a bundle's sources when V8 pauses before running a script
 * with a source map (js-debug and Chrome's DevTools ask for that pause); a compiled function is
 * never such a script, so without this the pause never comes and breakpoints bind too late, or
 * never. Node still caches each module's source map (stacks stay mapped). For runners a debugger
 * attaches to (`pipewright debug`) only.
 */
export function compileModulesAsScripts(): void {
  const statics = Module as unknown as { wrap: unknown };
  // eslint-disable-next-line no-self-assign -- assigning is what switches Node's loader (its setter marks the wrapper patched)
  statics.wrap = statics.wrap;
}
