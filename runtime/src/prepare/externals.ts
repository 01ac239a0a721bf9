/**
 * Which packages a pipeline bundle leaves for Node to load at run time instead of bundling:
 * packages with native addons (bundled, they cannot find their `.node` binaries), and the ones
 * the project lists in its package.json under `"pipewright": { "external": [...] }`.
 */
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import type * as esbuild from 'esbuild';
import { z } from 'zod';
import { InputError } from '../model/errorCodes';

/** Packages whose presence among a package's dependencies means it builds or loads a native addon. */
const NATIVE_HELPERS = new Set(['node-gyp-build', 'bindings', 'prebuild-install', 'node-addon-api', 'nan', 'node-pre-gyp', '@mapbox/node-pre-gyp']);

/** How far into a package to look for a compiled `.node` file (its build/ or prebuilds/ folders). */
const SCAN_DEPTH = 5;
const SCAN_ENTRIES = 5000;

const projectConfigSchema = z.object({
  pipewright: z.object({ external: z.array(z.string().min(1)).optional() }).optional(),
});

/** Raised for a project's `pipewright.external` that is not a list of package names. */
export class ExternalsConfigError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ExternalsConfigError';
  }
}

/** The packages `projectDir/package.json` lists under `pipewright.external` (none when it has no such key). */
export function listedExternals(projectDir: string): string[] {
  const file = path.join(projectDir, 'package.json');
  if (!fs.existsSync(file)) return [];
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ExternalsConfigError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = projectConfigSchema.safeParse(json);
  if (!parsed.success) throw new ExternalsConfigError(`${file}: "pipewright.external" must be an array of package names`);
  return parsed.data.pipewright?.external ?? [];
}

/**
 * An esbuild plugin that leaves every imported package with a native addon external. Packages
 * already `external` are left to esbuild unexamined: esbuild asks plugins before it applies its
 * `external` option, and judging `pipewright` itself scanned its whole folder on every run.
 */
export function nativePackagesExternal(external: readonly string[] = []): esbuild.Plugin {
  const alreadyExternal = new Set(external);
  return {
    name: 'pipewright-native-packages',
    setup(build) {
      const known = new Map<string, boolean>();
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.kind === 'entry-point' || isBuiltin(args.path)) return undefined;
        const name = packageName(args.path);
        if (alreadyExternal.has(name)) return { path: args.path, external: true };
        const dir = packageDir(name, args.resolveDir);
        return dir && isNativePackage(dir, known) ? { path: args.path, external: true } : undefined;
      });
    },
  };
}

/** `@scope/name` or `name` of an import path such as `@scope/name/sub` or `name/sub`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The folder of package `name` as Node finds it from `from`: the nearest node_modules/name above. */
function packageDir(name: string, from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

interface PackageJson {
  gypfile?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * Whether the package in `dir` has a native addon: `gypfile: true`, a `binding.gyp`, a compiled
 * `.node` file, a native helper among its dependencies, or a dependency that is itself native
 * (sharp loads its binary from an optional `@img/sharp-*` package). `known` memoizes by folder.
 */
export function isNativePackage(dir: string, known = new Map<string, boolean>()): boolean {
  const cached = known.get(dir);
  if (cached !== undefined) return cached;
  known.set(dir, false); // a dependency cycle answers "not native" on the way round
  let manifest: PackageJson = {};
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    // Unreadable: judged by its files alone.
  }
  const dependencies = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})];
  const native =
    manifest.gypfile === true ||
    fs.existsSync(path.join(dir, 'binding.gyp')) ||
    dependencies.some((name) => NATIVE_HELPERS.has(name)) ||
    hasCompiledAddon(dir) ||
    dependencies.some((name) => {
      const found = packageDir(name, dir);
      return found !== undefined && isNativePackage(found, known);
    });
  known.set(dir, native);
  return native;
}

/** Whether a `.node` file sits in `dir` (its own files, not its node_modules), within bounds. */
function hasCompiledAddon(dir: string): boolean {
  let budget = SCAN_ENTRIES;
  const scan = (folder: string, depth: number): boolean => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const entry of entries) {
      if (--budget < 0) return false;
      if (entry.isFile() && entry.name.endsWith('.node')) return true;
      if (entry.isDirectory() && entry.name !== 'node_modules' && depth < SCAN_DEPTH && scan(path.join(folder, entry.name), depth + 1)) return true;
    }
    return false;
  };
  return scan(dir, 0);
}
