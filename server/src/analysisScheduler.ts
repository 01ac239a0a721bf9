import { Analyzer, type AnalyzeOptions } from './analysis/analyzer';
import type { FileAnalysis } from './analysis/model';
import { findPipelineFiles } from './analysis/pipelineFiles';

/** Called with every fresh analysis (the server publishes diagnostics and graph changes). */
export type AnalysisListener = (file: string, analysis: FileAnalysis) => void;

/**
 * Keeps the analyses of a workspace current as documents open, change and close: what the server
 * asks for is always the analysis of the latest text. An edit is analysed after a short pause in
 * typing (or at once when someone asks), and then so are the open documents that import the
 * edited file, directly or not: nothing else is re-analysed. Knows files, not URIs or LSP.
 */
export class AnalysisScheduler {
  private readonly latest = new Map<string, FileAnalysis>();
  /** Files whose latest analysis is out of date (edited, or a dependency changed). */
  private readonly stale = new Set<string>();
  private readonly open = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly roots = new Set<string>();
  /** Last text given per open document: an editor may repeat it (open fires a change too). */
  private readonly texts = new Map<string, string>();
  private workspaceFiles: string[] | undefined;

  constructor(
    readonly analyzer: Analyzer,
    private readonly listener: AnalysisListener,
    private readonly debounceMs = 150,
    /** Per-file settings (the server caches what it pulled from the editor). */
    private readonly settingsFor: (file: string) => AnalyzeOptions = () => ({}),
  ) {}

  /** The settings of these open files changed: analyse them again. */
  settingsChanged(files: readonly string[]): void {
    for (const file of files) {
      if (!this.open.has(file)) continue;
      this.stale.add(file);
      this.schedule(file, 0);
    }
  }

  /** Workspace folders whose pipelines `workspace()` lists. */
  addRoot(folder: string): void {
    this.roots.add(folder);
    this.workspaceFiles = undefined;
  }

  removeRoot(folder: string): void {
    this.roots.delete(folder);
    this.workspaceFiles = undefined;
  }

  opened(file: string, text: string): void {
    this.open.add(file);
    this.texts.set(file, text);
    this.analyzer.setDocument(file, text);
    this.invalidate(file);
    this.schedule(file, 0);
  }

  changed(file: string, text: string): void {
    if (this.texts.get(file) === text) return;
    this.texts.set(file, text);
    this.analyzer.setDocument(file, text);
    this.invalidate(file);
    this.schedule(file, this.debounceMs);
  }

  closed(file: string): void {
    this.open.delete(file);
    this.texts.delete(file);
    clearTimeout(this.timers.get(file));
    this.timers.delete(file);
    this.analyzer.closeDocument(file);
    this.latest.delete(file);
    this.invalidate(file);
    this.refreshDependents(file);
  }

  /** A file changed, appeared or disappeared on disk (a watched-files event). */
  changedOnDisk(file: string, created: boolean | 'deleted'): void {
    if (created !== false) this.workspaceFiles = undefined;
    if (/[\\/]tsconfig\.json$/.test(file)) {
      // Compiler options or the config that holds a file may have changed: everything is out of date.
      this.analyzer.configChanged();
      this.latest.clear();
      this.stale.clear();
      for (const open of this.open) this.schedule(open, 0);
      return;
    }
    if (this.open.has(file)) return;
    this.analyzer.fileChanged(file);
    this.latest.delete(file);
    this.invalidate(file);
    this.refreshDependents(file);
  }

  /** The analysis of the file's latest text (analysed now if an edit is pending). */
  current(file: string): FileAnalysis {
    const known = this.latest.get(file);
    if (known && !this.stale.has(file)) return known;
    const pending = this.timers.has(file);
    clearTimeout(this.timers.get(file));
    this.timers.delete(file);
    const analysis = this.run(file);
    if (pending) this.refreshDependents(file);
    return analysis;
  }

  /** Current analyses of the workspace's pipeline files and of every open document. */
  workspace(): FileAnalysis[] {
    this.workspaceFiles ??= [...this.roots].flatMap((root) => findPipelineFiles(root));
    const files = [...new Set([...this.workspaceFiles, ...this.open])].sort();
    const missing = files.filter((f) => !this.latest.has(f));
    // One program for everything not yet analysed, instead of one per file.
    if (missing.length > 1) this.analyzer.analyzeAll(missing, this.settingsFor).forEach((analysis, i) => this.store(missing[i], analysis));
    return files.map((file) => this.current(file));
  }

  /** Open documents analysed so far, for cross-file requests (references). */
  analysed(): FileAnalysis[] {
    return [...this.latest.values()];
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(file: string, delayMs: number): void {
    clearTimeout(this.timers.get(file));
    this.timers.set(
      file,
      setTimeout(() => {
        this.timers.delete(file);
        this.run(file);
        this.refreshDependents(file);
      }, delayMs),
    );
  }

  private run(file: string): FileAnalysis {
    const analysis = this.analyzer.analyze(file, this.settingsFor(file));
    this.store(file, analysis);
    if (this.open.has(file)) this.listener(file, analysis);
    return analysis;
  }

  private store(file: string, analysis: FileAnalysis): void {
    this.latest.set(file, analysis);
    this.stale.delete(file);
  }

  /** Files whose latest analysis imports `file`, directly or through other files. */
  private dependentsOf(file: string): Set<string> {
    const dependents = new Set<string>();
    const queue = [file];
    for (let current = queue.pop(); current !== undefined; current = queue.pop()) {
      for (const [other, analysis] of this.latest) {
        if (dependents.has(other) || other === file || !analysis.dependencies.includes(current)) continue;
        dependents.add(other);
        queue.push(other);
      }
    }
    return dependents;
  }

  /** Marks `file` and every analysis that depends on it as out of date. */
  private invalidate(file: string): void {
    this.stale.add(file);
    for (const other of this.dependentsOf(file)) this.stale.add(other);
  }

  /** Re-analyses the open documents that import `file`, directly or not (their graphs may have changed with it). */
  private refreshDependents(file: string): void {
    for (const other of this.dependentsOf(file)) {
      if (this.open.has(other) && !this.timers.has(other)) this.run(other);
    }
  }
}
