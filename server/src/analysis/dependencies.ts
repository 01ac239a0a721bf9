import ts from 'typescript';
import type { NameResolver } from './nameResolver';

/**
 * The workspace files a source file imports or re-exports from, directly (declaration files and
 * node_modules left out). Cached per source file object: an edit gives the edited file a new
 * object, while unchanged files keep theirs (and their answer).
 */
export class DependencyGraph {
  private cache = new WeakMap<ts.SourceFile, ts.SourceFile[]>();

  /**
   * The workspace files `sourceFile` imports or re-exports from directly: an edit to one of them
   * (or to what they import in turn) can change its steps, graphs and diagnostics. Consumers walk
   * the transitive closure when they need it (only on an edit), not on every analysis.
   */
  direct(sourceFile: ts.SourceFile, resolver: NameResolver): string[] {
    return this.directOf(sourceFile, resolver).map((f) => f.fileName);
  }

  /** Forgets every answer (files changed in a way that may move imports). */
  reset(): void {
    this.cache = new WeakMap();
  }

  private directOf(sourceFile: ts.SourceFile, resolver: NameResolver): ts.SourceFile[] {
    const known = this.cache.get(sourceFile);
    if (known) return known;
    const found: ts.SourceFile[] = [];
    for (const statement of sourceFile.statements) {
      const specifier = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
      if (!specifier || !ts.isStringLiteralLike(specifier)) continue;
      const target = resolver.module(sourceFile, specifier);
      if (target && !target.isDeclarationFile && !/[\\/]node_modules[\\/]/.test(target.fileName)) found.push(target);
    }
    this.cache.set(sourceFile, found);
    return found;
  }
}
