import * as path from 'node:path';
import ts from 'typescript';

/*
 * The program a module manifest is built from (`moduleManifest.ts`): the tsconfig given, else the
 * nearest one (solution-style ones through their references), with the declaration files it
 * includes; parsed files kept between manifests of one process.
 */

/** Options when no tsconfig.json applies. */
const DEFAULT_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // Node programs: no DOM (whose declarations alone cost more to load than most pipelines).
  lib: ['lib.es2023.d.ts'],
  strict: true,
  allowJs: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  skipLibCheck: true,
};

export interface ResolvedConfig {
  compilerOptions: ts.CompilerOptions;
  /** Declaration files the tsconfig includes (ambient modules and globals the code relies on). */
  extraRoots: string[];
}

export function compilerOptionsFor(entry: string, explicit: string | undefined): ResolvedConfig {
  const configPath = explicit ? path.resolve(explicit) : ts.findConfigFile(path.dirname(entry), (file) => ts.sys.fileExists(file));
  let parsed = configPath ? parseConfig(configPath) : undefined;
  // A solution-style tsconfig (`files: []` and references): use the referenced project that has the file.
  if (parsed && parsed.fileNames.length === 0 && parsed.projectReferences?.length) {
    const wanted = normalize(entry);
    for (const reference of parsed.projectReferences) {
      const referenced = parseConfig(ts.resolveProjectReferencePath(reference));
      if (referenced?.fileNames.some((file) => normalize(file) === wanted)) {
        parsed = referenced;
        break;
      }
    }
  }
  const base = parsed ? parsed.options : DEFAULT_OPTIONS;
  // Only types are queried: no emit, no project-build bookkeeping, no library checks.
  const compilerOptions: ts.CompilerOptions = {
    ...base,
    noEmit: true,
    composite: false,
    declaration: false,
    declarationMap: false,
    emitDeclarationOnly: false,
    incremental: false,
    tsBuildInfoFile: undefined,
    skipLibCheck: true,
    skipDefaultLibCheck: true,
    allowJs: true,
  };
  const extraRoots = parsed ? parsed.fileNames.filter((file) => /\.d\.[cm]?ts$/.test(file)) : [];
  return { compilerOptions, extraRoots };
}

function parseConfig(configPath: string): ts.ParsedCommandLine | undefined {
  try {
    const read = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
    if (read.error || typeof read.config !== 'object' || read.config === null) return undefined;
    return ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configPath), undefined, configPath);
  } catch {
    return undefined;
  }
}

function normalize(file: string): string {
  const resolved = path.resolve(file).replace(/\\/g, '/');
  return ts.sys.useCaseSensitiveFileNames ? resolved : resolved.toLowerCase();
}

interface CachedSource {
  text: string;
  file: ts.SourceFile;
}

/**
 * Parsed (and, once a checker has bound them, bound) source files by compiler-options
 * fingerprint, then by file and parse settings. A file is reused only while its text is the same;
 * checkers keep their own per-program state, so sharing files between programs with the same
 * options is safe (the language service's document registry does the same).
 */
const sourceCaches = new Map<string, Map<string, CachedSource>>();
const MAX_CACHED_OPTION_SETS = 4;
/** Files kept per option set; past it the set starts over (a daemon may see many projects). */
const MAX_CACHED_FILES = 4000;
/** The options that change how a file is parsed or bound (so projects differing only in others share files). */
const SOURCE_AFFECTING_OPTIONS = [
  'target',
  'module',
  'moduleResolution',
  'moduleDetection',
  'jsx',
  'jsxImportSource',
  'importHelpers',
  'alwaysStrict',
  'strict',
  'preserveConstEnums',
  'isolatedModules',
  'verbatimModuleSyntax',
  'allowUnreachableCode',
  'allowUnusedLabels',
  'noFallthroughCasesInSwitch',
] as const;

export function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  // Doc comments matter only where they carry types (JavaScript files); skipping the rest is faster.
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeInfo;
  const fingerprint = JSON.stringify(SOURCE_AFFECTING_OPTIONS.map((key) => options[key] ?? null));
  let cache = sourceCaches.get(fingerprint);
  if (cache) {
    sourceCaches.delete(fingerprint);
  } else {
    cache = new Map();
    if (sourceCaches.size >= MAX_CACHED_OPTION_SETS) sourceCaches.delete(sourceCaches.keys().next().value as string);
  }
  sourceCaches.set(fingerprint, cache);
  const files = cache;
  host.getSourceFile = (fileName, languageVersionOrOptions, onError) => {
    let text: string | undefined;
    try {
      text = host.readFile(fileName);
    } catch (error) {
      onError?.((error as Error).message);
      return undefined;
    }
    if (text === undefined) return undefined;
    const settings =
      typeof languageVersionOrOptions === 'object'
        ? `${languageVersionOrOptions.languageVersion}/${String(languageVersionOrOptions.impliedNodeFormat)}/${String(languageVersionOrOptions.jsDocParsingMode)}`
        : String(languageVersionOrOptions);
    const key = `${fileName}\0${settings}`;
    const cached = files.get(key);
    if (cached && cached.text === text) return cached.file;
    const file = ts.createSourceFile(fileName, text, languageVersionOrOptions, true);
    if (files.size >= MAX_CACHED_FILES) files.clear();
    files.set(key, { text, file });
    return file;
  };
  return host;
}
