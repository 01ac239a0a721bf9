import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { NameResolver } from './nameResolver';
import { SourceFileCache, type ParseFailure } from './sourceFileCache';

/** Options used when a file has no tsconfig.json above it. */
const DEFAULT_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  allowJs: true,
  skipLibCheck: true,
  esModuleInterop: true,
};

/**
 * Analysis needs types, never output: these override whatever a tsconfig says about emit and
 * project builds (a `composite` project would otherwise demand every file be listed).
 */
const ANALYSIS_OVERRIDES: ts.CompilerOptions = {
  noEmit: true,
  composite: false,
  declaration: false,
  emitDeclarationOnly: false,
  incremental: false,
  skipLibCheck: true,
  allowJs: true,
};

const NO_CONFIG = '<no tsconfig>';

/** What one project state offers the analysis (see `Workspace`). */
export interface ProjectView {
  /** Which declaration a name refers to, across files: no program, no binding. */
  readonly resolver: NameResolver;
  /** The project's real program and its checker, built on first use, for type questions. */
  types(): ts.TypeChecker;
  /** The file an import of `from` names, as the project's compiler resolves it, without parsing it. */
  modulePath(from: ts.SourceFile, specifier: ts.StringLiteralLike): string | undefined;
  /** Why this project could not parse a file's current text, if it could not. */
  parseFailure(file: string): ParseFailure | undefined;
}

/** One tsconfig's files and options, and what was built for the workspace's current version. */
interface Project {
  readonly options: ts.CompilerOptions;
  /** Files asked about (the typed program adds what they import). */
  readonly roots: Set<string>;
  readonly files: SourceFileCache;
  readonly host: ts.CompilerHost;
  /** Module resolutions, by directory and by specifier node; dropped when files may have appeared or gone. */
  modules: ts.ModuleResolutionCache;
  resolvedSpecifiers: WeakMap<ts.StringLiteralLike, string | null>;
  current?: { version: number; view: ProjectView };
  typed?: { version: number; program: ts.Program };
}

/**
 * The TypeScript projects of a workspace: one per tsconfig.json (the nearest one above each
 * file), so multi-root workspaces and folders with their own compiler options (paths,
 * strictness) each resolve imports as their own `tsc` would. Open editor documents overlay the
 * files on disk.
 *
 * Files enter a project on demand (the file asked about, then whatever its imports reach), never
 * by loading every file a tsconfig includes: analysing one file never pays for the whole
 * workspace.
 *
 * Each project state offers two views over the same `ts.SourceFile` objects (so a node found
 * with one can be asked about with the other):
 * - the *name resolver* (`nameResolver.ts`), which is what most of the analysis needs: which
 *   declaration a name refers to across imports, aliases and re-exports. It parses a file when an
 *   import first reaches it and binds nothing; no program is built.
 * - the *typed* program, with the project's real options and libs, built only when a question
 *   needs the type checker (`ProjectView.types()`): a type nobody wrote down, or two written types
 *   that are not plainly the same.
 *
 * The compiler API is used directly (not through ts-morph's `Project`): the analysis walks
 * compiler nodes only, and the wrapper's per-file work (wrapper objects, its own lib copies) cost
 * a cold start more than it gave.
 */
export class Workspace {
  private readonly projects = new Map<string, Project>();
  /** Open documents' text: it wins over the file on disk until closed. */
  private readonly open = new Map<string, string>();
  /** tsconfig path (or NO_CONFIG) per folder, cached: this is asked on every analysis. */
  private readonly configOf = new Map<string, string>();
  /** Bumped on every change to any project's files: what was built for an older version is stale. */
  private version = 0;

  /** Sets the text of an open document (it wins over the file on disk until closed). */
  setDocument(file: string, text: string): void {
    const key = fileKey(file);
    const existed = this.open.has(key) || ts.sys.fileExists(key);
    this.open.set(key, text);
    this.forget(key, !existed);
    this.projectFor(key).roots.add(key);
  }

  /**
   * Forgets every project (a tsconfig.json was created, changed or deleted, so which config holds
   * which file, and its options, may have changed); open documents are put back.
   */
  reset(): void {
    this.projects.clear();
    this.configOf.clear();
    this.version += 1;
    for (const file of this.open.keys()) this.projectFor(file).roots.add(file);
  }

  /** Forgets an open document's text: the file on disk (if any) is what counts again. */
  closeDocument(file: string): void {
    const key = fileKey(file);
    this.open.delete(key);
    this.forget(key, true);
  }

  /** A file changed, appeared or went away on disk: reload it unless an open document's text stands for it. */
  fileChanged(file: string): void {
    const key = fileKey(file);
    // Also when no project holds it: a file an import could not find may have just appeared.
    if (!this.open.has(key)) this.forget(key, true);
    else this.version += 1;
  }

  /**
   * Adds files to their projects before analysing them one by one (a batch: the CLI, a cold
   * start), so a typed program, if one is needed, is built once for all of them.
   */
  addFiles(files: readonly string[]): void {
    for (const file of files) {
      const key = fileKey(file);
      const project = this.projectFor(key);
      if (!project.roots.has(key) && project.files.exists(key)) {
        project.roots.add(key);
        this.version += 1;
      }
    }
  }

  /** What the project holding `file` offers, and the file parsed, or undefined when it cannot be read. */
  viewOf(file: string): { view: ProjectView; sourceFile: ts.SourceFile } | undefined {
    const key = fileKey(file);
    const project = this.projectFor(key);
    if (!project.roots.has(key)) {
      if (!project.files.exists(key)) return undefined;
      project.roots.add(key);
      this.version += 1;
    }
    const sourceFile = this.parsed(project, key);
    return sourceFile ? { view: this.currentView(project), sourceFile } : undefined;
  }

  /** Why a file's current text could not be parsed (nesting deeper than the parser can follow), if it could not. */
  parseFailure(file: string): ParseFailure | undefined {
    const key = fileKey(file);
    return this.projectFor(key).files.failure(key);
  }

  /**
   * A file's text changed (or it appeared or went away): every project parses it anew, drops it
   * as a root if it is gone, and, when files may have appeared or gone, resolves modules anew.
   */
  private forget(key: string, existenceMayHaveChanged: boolean): void {
    this.version += 1;
    for (const project of this.projects.values()) {
      project.files.forget(key);
      if (!project.files.exists(key)) project.roots.delete(key);
      if (existenceMayHaveChanged) {
        project.modules = moduleCache(project.options);
        project.resolvedSpecifiers = new WeakMap();
      }
    }
  }

  /** The project's resolver for the current version, and its typed program, built on first use. */
  private currentView(project: Project): ProjectView {
    const version = this.version;
    if (project.current?.version === version) return project.current.view;
    const view: ProjectView = {
      resolver: new NameResolver((from, specifier) => this.resolveModule(project, from, specifier)),
      types: () => {
        if (project.typed?.version !== version) {
          const program = ts.createProgram({ rootNames: [...project.roots], options: project.options, host: project.host, oldProgram: project.typed?.program });
          project.typed = { version, program };
        }
        return project.typed.program.getTypeChecker();
      },
      modulePath: (from, specifier) => this.resolvedPath(project, from, specifier),
      parseFailure: (file) => project.files.failure(fileKey(file)),
    };
    project.current = { version, view };
    return view;
  }

  /** The file an import of `from` names, as the project's compiler would resolve it, parsed. */
  private resolveModule(project: Project, from: ts.SourceFile, specifier: ts.StringLiteralLike): ts.SourceFile | undefined {
    const resolved = this.resolvedPath(project, from, specifier);
    return resolved === undefined ? undefined : this.parsed(project, resolved);
  }

  private resolvedPath(project: Project, from: ts.SourceFile, specifier: ts.StringLiteralLike): string | undefined {
    let resolved = project.resolvedSpecifiers.get(specifier);
    if (resolved === undefined) {
      const mode = ts.getModeForUsageLocation(from, specifier, project.options);
      const module = ts.resolveModuleName(specifier.text, from.fileName, project.options, project.host, project.modules, undefined, mode).resolvedModule;
      // A package's plain JavaScript is not read by the compiler either (`maxNodeModuleJsDepth`
      // 0): its names are untyped. The compiler's resolved names are absolute and normalized.
      const untypedPackageJs = module?.isExternalLibraryImport === true && JS_EXTENSIONS.has(module.extension) && !project.options.maxNodeModuleJsDepth;
      resolved = module && !untypedPackageJs ? module.resolvedFileName : null;
      project.resolvedSpecifiers.set(specifier, resolved);
    }
    return resolved ?? undefined;
  }

  /** A file of the project parsed as its program would parse it (its module format included). */
  private parsed(project: Project, key: string): ts.SourceFile | undefined {
    const known = project.files.known(key);
    if (known) return known;
    const options = project.options;
    return project.files.get(key, {
      languageVersion: options.target ?? ts.ScriptTarget.Latest,
      impliedNodeFormat: ts.getImpliedNodeFormatForFile(key, project.modules.getPackageJsonInfoCache(), project.host, options),
      jsDocParsingMode: JSDOC_PARSING,
    });
  }

  private projectFor(file: string): Project {
    const config = this.nearestConfig(path.dirname(file));
    let project = this.projects.get(config);
    if (!project) {
      const files = new SourceFileCache((f) => this.open.get(f));
      const options = { ...(config === NO_CONFIG ? DEFAULT_OPTIONS : configOptions(config)), ...ANALYSIS_OVERRIDES };
      project = { options, roots: new Set(), files, host: compilerHost(files), modules: moduleCache(options), resolvedSpecifiers: new WeakMap() };
      this.projects.set(config, project);
    }
    return project;
  }

  private nearestConfig(dir: string): string {
    const visited: string[] = [];
    let found = NO_CONFIG;
    for (let current = dir; ; current = path.dirname(current)) {
      const known = this.configOf.get(current);
      if (known !== undefined) {
        found = known;
        break;
      }
      visited.push(current);
      const candidate = path.join(current, 'tsconfig.json');
      if (fs.existsSync(candidate) && configOptions(candidate) !== undefined) {
        found = candidate;
        break;
      }
      if (path.dirname(current) === current) break;
    }
    for (const dir of visited) this.configOf.set(dir, found);
    return found;
  }
}

const JS_EXTENSIONS = new Set<string>([ts.Extension.Js, ts.Extension.Jsx, ts.Extension.Mjs, ts.Extension.Cjs]);

/** What tsc itself parses: JSDoc only where it can change types. */
const JSDOC_PARSING = ts.JSDocParsingMode.ParseForTypeErrors;

function moduleCache(options: ts.CompilerOptions): ts.ModuleResolutionCache {
  const sys = ts.sys;
  return ts.createModuleResolutionCache(sys.getCurrentDirectory(), (f) => (sys.useCaseSensitiveFileNames ? f : f.toLowerCase()), options);
}

/** Paths as the compiler spells them (absolute, forward slashes), so map keys match its file names. */
function fileKey(file: string): string {
  return path.resolve(file).split(path.sep).join('/');
}

/**
 * A tsconfig's compiler options (`extends` followed), or undefined when it does not parse (such a
 * folder falls back to the defaults). Its file lists are not expanded: files enter on demand.
 */
function configOptions(file: string): ts.CompilerOptions | undefined {
  const read = ts.readConfigFile(file, (f) => ts.sys.readFile(f));
  if (read.error) return undefined;
  const noFileListing: ts.ParseConfigHost = { ...ts.sys, readDirectory: () => [] };
  return ts.parseJsonConfigFileContent(read.config, noFileListing, path.dirname(file), undefined, file).options;
}

/** The compiler's view of a project's files: the shared cache (open documents included), then the disk. */
function compilerHost(files: SourceFileCache): ts.CompilerHost {
  const sys = ts.sys;
  return {
    getSourceFile: (fileName, languageVersionOrOptions) => files.get(fileName, typeof languageVersionOrOptions === 'object' ? languageVersionOrOptions : { languageVersion: languageVersionOrOptions }),
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    writeFile: () => undefined,
    getCurrentDirectory: () => sys.getCurrentDirectory(),
    getCanonicalFileName: (fileName) => (sys.useCaseSensitiveFileNames ? fileName : fileName.toLowerCase()),
    useCaseSensitiveFileNames: () => sys.useCaseSensitiveFileNames,
    getNewLine: () => '\n',
    // Open documents not yet saved exist too.
    fileExists: (fileName) => files.exists(fileName),
    readFile: (fileName) => files.text(fileName),
    directoryExists: (dir) => sys.directoryExists(dir),
    getDirectories: (dir) => sys.getDirectories(dir),
    realpath: sys.realpath ? (p) => sys.realpath!(p) : undefined,
    jsDocParsingMode: JSDOC_PARSING,
  };
}
