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

/**
 * The ts-morph projects of a workspace: one per tsconfig.json (the nearest one above each file),
 * so multi-root workspaces and folders with their own compiler options (paths, strictness) each
 * resolve imports as their own `tsc` would. Open editor documents overlay the files on disk.
 *
 * Files enter a project on demand (the file asked about, then whatever the program resolves from
 * its imports), never by loading every file a tsconfig includes: analysing one file never pays
 * for the whole workspace.
 */
export class Workspace {
  private readonly projects = new Map<string, Project>();
  /** Open documents' text, kept so a reset (a tsconfig changed) can put them back. */
  private readonly open = new Map<string, string>();
  /** tsconfig path (or NO_CONFIG) per folder, cached: this is asked on every analysis. */
  private readonly configOf = new Map<string, string>();

  /** Sets the text of an open document (it wins over the file on disk until closed). */
  setDocument(file: string, text: string): void {
    const key = path.resolve(file);
    this.open.set(key, text);
    this.projectFor(key).createSourceFile(key, text, { overwrite: true });
  }

  /**
   * Forgets every project (a tsconfig.json was created, changed or deleted, so which config holds
   * which file, and its options, may have changed); open documents are put back.
   */
  reset(): void {
    this.projects.clear();
    this.configOf.clear();
    for (const [file, text] of this.open) this.projectFor(file).createSourceFile(file, text, { overwrite: true });
  }

  /** Forgets an open document's text: the file on disk (if any) is what counts again. */
  closeDocument(file: string): void {
    const key = path.resolve(file);
    this.open.delete(key);
    this.reloadFromDisk(key);
  }

  /** A file changed on disk: reload it unless an open document's text stands for it. */
  fileChanged(file: string): void {
    const key = path.resolve(file);
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
      if (!project.getSourceFile(key)) project.addSourceFileAtPathIfExists(key);
    }
  }

  /** The compiler program of the project holding `file` (with `file` in it), or undefined when it cannot be read. */
  programFor(file: string): { program: ts.Program; sourceFile: ts.SourceFile } | undefined {
    const key = path.resolve(file);
    const project = this.projectFor(key);
    if (!project.getSourceFile(key) && !project.addSourceFileAtPathIfExists(key)) return undefined;
    const program = project.getProgram().compilerObject;
    const sourceFile = program.getSourceFile(key);
    return sourceFile ? { program, sourceFile } : undefined;
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
