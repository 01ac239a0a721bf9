import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { SourceFileCache } from './sourceFileCache';

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

/** What the symbols program drops from the project's options: every lib and automatic type package. */
const SYMBOLS_OVERRIDES: ts.CompilerOptions = { noLib: true, lib: undefined, types: [], typeRoots: [] };

/** The two programs of one project state (see `Workspace`). */
export interface Programs {
  /** Lib-less program: symbols and declarations only (never ask its checker for types). */
  readonly symbols: ts.Program;
  /** The project's real program and its checker, built on first use, for type questions. */
  types(): ts.TypeChecker;
}

/** One tsconfig's files and options, and the programs of its current version. */
interface Project {
  readonly options: ts.CompilerOptions;
  /** Files asked about (the programs add what they import). */
  readonly roots: Set<string>;
  readonly files: SourceFileCache;
  readonly host: ts.CompilerHost;
  symbols?: { version: number; program: ts.Program };
  typed?: { version: number; program: ts.Program };
}

/**
 * The TypeScript projects of a workspace: one per tsconfig.json (the nearest one above each
 * file), so multi-root workspaces and folders with their own compiler options (paths,
 * strictness) each resolve imports as their own `tsc` would. Open editor documents overlay the
 * files on disk.
 *
 * Files enter a project on demand (the file asked about, then whatever the program resolves from
 * its imports), never by loading every file a tsconfig includes: analysing one file never pays
 * for the whole workspace.
 *
 * Each project gives two programs over the same `ts.SourceFile` objects (so a node found with one
 * can be asked about with the other):
 * - the *symbols* program, without lib files or automatic `@types` (`noLib`, `types: []`), which
 *   is what most of the analysis needs: which declaration a name refers to across imports,
 *   aliases and re-exports. Parsing and binding the lib .d.ts files is most of what a program
 *   costs on a cold start, and name resolution between workspace files never needs them.
 * - the *typed* program, with the project's real options and libs, built only when a question
 *   needs the type checker (`Programs.types()`): a type nobody wrote down, or two written types
 *   that are not plainly the same. Its types are never asked of the symbols program, whose
 *   checker would answer them wrongly (no `Array`, no `Promise`).
 *
 * The compiler API is used directly (not through ts-morph's `Project`): the analysis walks
 * compiler nodes only, and the wrapper's per-file work (a parent-pointer pass, wrapper objects,
 * its own lib copies) was a sixth of a cold start.
 */
export class Workspace {
  private readonly projects = new Map<string, Project>();
  /** Open documents' text: it wins over the file on disk until closed. */
  private readonly open = new Map<string, string>();
  /** tsconfig path (or NO_CONFIG) per folder, cached: this is asked on every analysis. */
  private readonly configOf = new Map<string, string>();
  /** Bumped on every change to any project's files: programs of an older version are stale. */
  private version = 0;

  /** Sets the text of an open document (it wins over the file on disk until closed). */
  setDocument(file: string, text: string): void {
    const key = fileKey(file);
    this.open.set(key, text);
    this.forget(key);
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
    this.forget(key);
  }

  /** A file changed on disk: reload it unless an open document's text stands for it. */
  fileChanged(file: string): void {
    const key = fileKey(file);
    // Also when no project holds it: a file an import could not find may have just appeared.
    this.version += 1;
    if (!this.open.has(key)) this.forget(key);
  }

  /**
   * Adds files to their projects before analysing them one by one, so a batch (the CLI, a cold
   * start) builds one program instead of growing it file by file.
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

  /** The programs of the project holding `file` (with `file` in them), or undefined when it cannot be read. */
  programFor(file: string): { programs: Programs; sourceFile: ts.SourceFile } | undefined {
    const key = fileKey(file);
    const project = this.projectFor(key);
    if (!project.roots.has(key)) {
      if (!project.files.exists(key)) return undefined;
      project.roots.add(key);
      this.version += 1;
    }
    const programs = this.programsOf(project);
    const sourceFile = programs.symbols.getSourceFile(key);
    return sourceFile ? { programs, sourceFile } : undefined;
  }

  /** A file's text changed or it went away: every project parses it anew, and drops it as a root if it is gone. */
  private forget(key: string): void {
    this.version += 1;
    for (const project of this.projects.values()) {
      project.files.forget(key);
      if (!project.files.exists(key)) project.roots.delete(key);
    }
  }

  /**
   * The project's programs as its files are now. The symbols program is rebuilt after a change
   * (reusing the previous one's structure and every unchanged source file); the typed one is
   * built on first use, the same way.
   */
  private programsOf(project: Project): Programs {
    const version = this.version;
    if (project.symbols?.version !== version) {
      const options = { ...project.options, ...SYMBOLS_OVERRIDES };
      const program = ts.createProgram({ rootNames: [...project.roots], options, host: project.host, oldProgram: project.symbols?.program });
      // Binding (done when the checker is made) sets the parent pointers the parser left out.
      program.getTypeChecker();
      project.symbols = { version, program };
    }
    const symbols = project.symbols.program;
    return {
      symbols,
      types: () => {
        if (project.typed?.version !== version) {
          const program = ts.createProgram({ rootNames: [...project.roots], options: project.options, host: project.host, oldProgram: project.typed?.program });
          project.typed = { version, program };
        }
        return project.typed.program.getTypeChecker();
      },
    };
  }

  private projectFor(file: string): Project {
    const config = this.nearestConfig(path.dirname(file));
    let project = this.projects.get(config);
    if (!project) {
      const files = new SourceFileCache((f) => this.open.get(f));
      project = { options: { ...(config === NO_CONFIG ? DEFAULT_OPTIONS : configOptions(config)), ...ANALYSIS_OVERRIDES }, roots: new Set(), files, host: compilerHost(files) };
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
    // What tsc itself parses: JSDoc only where it can change types.
    jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeErrors,
  };
}
