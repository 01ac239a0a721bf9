import ts from 'typescript';
import { moduleSpecifiers } from './imports';

/** The file a module specifier of a file resolves to, unparsed (see `ProjectView.modulePath`). */
export type ModulePath = (from: ts.SourceFile, specifier: ts.StringLiteralLike) => string | undefined;

/**
 * The workspace files a source file imports or re-exports from, directly (declaration files and
 * node_modules left out). Cached per source file object: an edit gives the edited file a new
 * object, while unchanged files keep theirs (and their answer).
 */
export class DependencyGraph {
  private cache = new WeakMap<ts.SourceFile, string[]>();

  /**
   * The workspace files `sourceFile` imports or re-exports from directly: an edit to one of them
   * (or to what they import in turn) can change its steps, graphs and diagnostics. Consumers walk
   * the transitive closure when they need it (only on an edit), not on every analysis.
   */
  direct(sourceFile: ts.SourceFile, modulePath: ModulePath): string[] {
    const known = this.cache.get(sourceFile);
    if (known) return known;
    // Resolved without parsing: a dependency that cannot be parsed now is still one (its next edit must reach this file).
    const found = moduleSpecifiers(sourceFile)
      .map((specifier) => modulePath(sourceFile, specifier))
      .filter((target): target is string => target !== undefined && !/\.d\.[cm]?ts$/.test(target) && !/[\\/]node_modules[\\/]/.test(target));
    this.cache.set(sourceFile, found);
    return found;
  }

  /** Forgets every answer (files changed in a way that may move imports). */
  reset(): void {
    this.cache = new WeakMap();
  }
}
