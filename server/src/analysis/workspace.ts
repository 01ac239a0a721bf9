import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project, ts } from 'ts-morph';

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

/** File kinds ts-morph keeps as source files; other resolved files (JSON) are parsed on the side. */
const SOURCE_KINDS = /\.(d\.)?([cm]?[jt]s|[jt]sx)$/;

/** The two programs of one project state (see `Workspace`). */
export interface Programs {
  /** Lib-less program: symbols and declarations only (never ask its checker for types). */
  readonly symbols: ts.Program;
  /** The project's real program and its checker, built on first use, for type questions. */
  types(): ts.TypeChecker;
}

/**
 * The ts-morph projects of a workspace: one per tsconfig.json (the nearest one above each file),
 * so multi-root workspaces and folders with their own compiler options (paths, strictness) each
 * resolve imports as their own `tsc` would. Open editor documents overlay the files on disk.
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
 */
export class Workspace {
  private readonly projects = new Map<string, Project>();
  /** Open documents' text, kept so a reset (a tsconfig changed) can put them back. */
  private readonly open = new Map<string, string>();
  /** tsconfig path (or NO_CONFIG) per folder, cached: this is asked on every analysis. */
  private readonly configOf = new Map<string, string>();
  /** Bumped on every change to any project's files: a symbols program of an older version is stale. */
  private version = 0;
  private readonly symbolPrograms = new Map<Project, { version: number; programs: Programs }>();
  /** Resolved files ts-morph does not keep (JSON), parsed once per version of the workspace. */
  private sideFiles = new Map<string, ts.SourceFile>();

  /** Sets the text of an open document (it wins over the file on disk until closed). */
  setDocument(file: string, text: string): void {
    const key = path.resolve(file);
    this.open.set(key, text);
    this.changed();
    this.projectFor(key).createSourceFile(key, text, { overwrite: true });
  }

  /**
   * Forgets every project (a tsconfig.json was created, changed or deleted, so which config holds
   * which file, and its options, may have changed); open documents are put back.
   */
  reset(): void {
    this.projects.clear();
    this.configOf.clear();
    this.symbolPrograms.clear();
    this.changed();
    for (const [file, text] of this.open) this.projectFor(file).createSourceFile(file, text, { overwrite: true });
  }

  /** Forgets an open document's text: the file on disk (if any) is what counts again. */
  closeDocument(file: string): void {
    const key = path.resolve(file);
    this.open.delete(key);
    this.changed();
    this.reloadFromDisk(key);
  }

  /** A file changed on disk: reload it unless an open document's text stands for it. */
  fileChanged(file: string): void {
    const key = path.resolve(file);
    // Also when no project holds it: a file an import could not find may have just appeared.
    this.changed();
    if (!this.open.has(key)) this.reloadFromDisk(key);
  }

  /**
   * Adds files from disk to their projects before analysing them one by one, so a batch (the CLI,
   * a cold start) builds one program instead of growing it file by file.
   */
  addFiles(files: readonly string[]): void {
    for (const file of files) {
      const key = path.resolve(file);
      const project = this.projectFor(key);
      if (!project.getSourceFile(key) && project.addSourceFileAtPathIfExists(key)) this.changed();
    }
  }

  /** The programs of the project holding `file` (with `file` in them), or undefined when it cannot be read. */
  programFor(file: string): { programs: Programs; sourceFile: ts.SourceFile } | undefined {
    const key = path.resolve(file);
    const project = this.projectFor(key);
    if (!project.getSourceFile(key)) {
      if (!project.addSourceFileAtPathIfExists(key)) return undefined;
      this.changed();
    }
    const programs = this.programsOf(project);
    const sourceFile = programs.symbols.getSourceFile(key);
    return sourceFile ? { programs, sourceFile } : undefined;
  }

  private changed(): void {
    this.version += 1;
    if (this.sideFiles.size > 0) this.sideFiles = new Map();
  }

  /**
   * The project's programs as its files are now. The symbols program is rebuilt after a change
   * (reusing the previous one's structure and every unchanged source file); the typed one is
   * ts-morph's own program, which serves the same source file objects.
   */
  private programsOf(project: Project): Programs {
    const known = this.symbolPrograms.get(project);
    if (known && known.version === this.version) return known.programs;
    const options = { ...project.getCompilerOptions(), ...SYMBOLS_OVERRIDES };
    const roots = project.getSourceFiles().map((f) => f.getFilePath() as string);
    const symbols = ts.createProgram({ rootNames: roots, options, host: this.symbolsHost(project), oldProgram: known?.programs.symbols });
    let checker: ts.TypeChecker | undefined;
    const programs: Programs = {
      symbols,
      types: () => (checker ??= project.getProgram().compilerObject.getTypeChecker()),
    };
    this.symbolPrograms.set(project, { version: this.version, programs });
    return programs;
  }

  /**
   * Serves the project's source files to the symbols program, adding what imports resolve to
   * (so the typed program, built from the project later, holds the very same objects).
   */
  private symbolsHost(project: Project): ts.CompilerHost {
    const sys = ts.sys;
    return {
      getSourceFile: (fileName, languageVersion) => {
        const existing = project.getSourceFile(fileName);
        if (existing) return existing.compilerNode;
        if (SOURCE_KINDS.test(fileName)) return project.addSourceFileAtPathIfExists(fileName)?.compilerNode;
        let side = this.sideFiles.get(fileName);
        const text = side ? undefined : sys.readFile(fileName);
        if (!side && text !== undefined) this.sideFiles.set(fileName, (side = ts.createSourceFile(fileName, text, languageVersion)));
        return side;
      },
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      writeFile: () => undefined,
      getCurrentDirectory: () => sys.getCurrentDirectory(),
      getCanonicalFileName: (fileName) => (sys.useCaseSensitiveFileNames ? fileName : fileName.toLowerCase()),
      useCaseSensitiveFileNames: () => sys.useCaseSensitiveFileNames,
      getNewLine: () => '\n',
      // Open documents not yet saved exist too.
      fileExists: (fileName) => project.getSourceFile(fileName) !== undefined || sys.fileExists(fileName),
      readFile: (fileName) => project.getSourceFile(fileName)?.getFullText() ?? sys.readFile(fileName),
      directoryExists: (dir) => sys.directoryExists(dir),
      getDirectories: (dir) => sys.getDirectories(dir),
      realpath: sys.realpath ? (p) => sys.realpath!(p) : undefined,
    };
  }

  private reloadFromDisk(key: string): void {
    for (const project of this.projects.values()) {
      const sourceFile = project.getSourceFile(key);
      if (!sourceFile) continue;
      if (fs.existsSync(key)) sourceFile.refreshFromFileSystemSync();
      else project.removeSourceFile(sourceFile);
    }
  }

  private projectFor(file: string): Project {
    const config = this.nearestConfig(path.dirname(file));
    let project = this.projects.get(config);
    if (!project) {
      project =
        config === NO_CONFIG
          ? new Project({ compilerOptions: { ...DEFAULT_OPTIONS, ...ANALYSIS_OVERRIDES }, skipFileDependencyResolution: true })
          : new Project({ tsConfigFilePath: config, compilerOptions: ANALYSIS_OVERRIDES, skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
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
      if (fs.existsSync(candidate) && isReadableConfig(candidate)) {
        found = candidate;
        break;
      }
      if (path.dirname(current) === current) break;
    }
    for (const dir of visited) this.configOf.set(dir, found);
    return found;
  }
}

/** A tsconfig that does not parse would make ts-morph throw; such a folder falls back to defaults. */
function isReadableConfig(file: string): boolean {
  const read = ts.readConfigFile(file, (f) => ts.sys.readFile(f));
  return read.error === undefined;
}
