import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as zlib from 'node:zlib';
import { ENV } from '../model/environment';
import { ownerOnlyDir, writeOwnerOnly } from './ownerOnly';

/**
 * Loading TypeScript (9 MB of JavaScript) is mostly V8 compiling it: about 170 ms of every
 * process that analyses code, a seventh of a cold analysis. Node 22.1+ keeps compiled code
 * between processes (`module.enableCompileCache`, which tsc turns on); on older Node this does
 * the same for the one file it is given: V8's code cache of it, kept in an owner-only folder
 * (`PIPEWRIGHT_CODE_CACHE`, default `$XDG_CACHE_HOME/pipewright/code-cache` or
 * `~/.cache/pipewright/code-cache`; `off` turns it off). A cache is named by the file's path and a
 * checksum of its content (V8 itself only checks the source's length, and refuses a cache made by
 * another V8, which is then written again); a folder someone else could write to is never read.
 * Only a cache: whatever fails, the file is loaded as `require` would.
 */
export type CodeCacheOutcome = 'node' | 'accepted' | 'written' | 'off';

const outcomes = new Map<string, CodeCacheOutcome>();

/** How `requireWithCodeCache` loaded `file` in this process (undefined: not through it). */
export function codeCacheOutcome(file: string): CodeCacheOutcome | undefined {
  return outcomes.get(path.resolve(file));
}

/** `require(file)` of a CommonJS file, its compiled code kept between processes (see above). */
export function requireWithCodeCache(file: string): unknown {
  const resolved = path.resolve(file);
  const plain = createRequire(resolved);
  const known = plain.cache[resolved];
  if (known) return known.exports;
  const enable = (Module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
  const off = process.env[ENV.codeCache]?.trim() === 'off';
  const dir = off ? undefined : cacheDir();
  if (enable !== undefined && !off) {
    enable(dir); // Node's own default folder when ours cannot be used
    outcomes.set(resolved, 'node');
    return plain(resolved);
  }
  if (dir === undefined) {
    outcomes.set(resolved, 'off');
    return plain(resolved);
  }
  let source: string;
  let key: string;
  try {
    const bytes = fs.readFileSync(resolved);
    source = bytes.toString('utf8');
    key = createHash('sha256').update(`${resolved}\0${bytes.byteLength}\0${checksum(bytes)}\0${process.version}\0${process.arch}`).digest('hex').slice(0, 32);
  } catch {
    return plain(resolved); // require says what is wrong with it
  }
  const cacheFile = path.join(dir, `${key}.v8`);
  const cachedData = readOwnCache(cacheFile);
  const script = new vm.Script(Module.wrap(source), {
    filename: resolved,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const loaded = new Module(resolved, module);
  loaded.filename = resolved;
  loaded.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(resolved));
  plain.cache[resolved] = loaded;
  try {
    const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
    wrapper.call(loaded.exports, loaded.exports, createRequire(resolved), loaded, resolved, path.dirname(resolved));
    loaded.loaded = true;
  } catch (error) {
    delete plain.cache[resolved];
    throw error;
  }
  if (cachedData !== undefined && !script.cachedDataRejected) {
    outcomes.set(resolved, 'accepted');
  } else {
    try {
      writeOwnerOnly(cacheFile, script.createCachedData());
      outcomes.set(resolved, 'written');
      keepNewest(dir, CACHES_KEPT);
    } catch {
      outcomes.set(resolved, 'off'); // a full or read-only disk: loaded, just not cached
    }
  }
  return loaded.exports;
}

/** A checksum of the file's bytes: CRC-32 (2 ms for TypeScript's 9 MB) where Node has it, else SHA-1. */
function checksum(bytes: Buffer): string {
  const crc32 = (zlib as { crc32?: (data: Buffer) => number }).crc32;
  return crc32 === undefined ? createHash('sha1').update(bytes).digest('hex') : String(crc32(bytes));
}

/** Caches kept in the folder: each version of TypeScript or of the server's bundle writes its own (2-4 MB). */
const CACHES_KEPT = 16;

/** Removes all but the `kept` newest caches of `dir` (those of older versions). */
function keepNewest(dir: string, kept: number): void {
  const caches = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.v8'))
    .map((name) => ({ file: path.join(dir, name), at: fs.statSync(path.join(dir, name), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.at - a.at);
  for (const { file } of caches.slice(kept)) fs.rmSync(file, { force: true });
}

/** The cache folder, created owner-only; undefined when it cannot be, or is not ours alone. */
function cacheDir(): string | undefined {
  const setting = process.env[ENV.codeCache]?.trim();
  const home = os.homedir();
  const dir = setting || path.join(process.env.XDG_CACHE_HOME || path.join(home, '.cache'), 'pipewright', 'code-cache');
  try {
    ownerOnlyDir(dir);
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory() || (stat.mode & 0o077) !== 0 || (process.getuid !== undefined && stat.uid !== process.getuid())) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** The cache file's bytes if it is a regular file of ours that no one else can write. */
function readOwnCache(file: string): Buffer | undefined {
  try {
    const stat = fs.lstatSync(file);
    if (!stat.isFile() || (stat.mode & 0o022) !== 0 || (process.getuid !== undefined && stat.uid !== process.getuid())) return undefined;
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}
