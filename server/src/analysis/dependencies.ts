import ts from 'typescript';

/**
 * The workspace files a source file imports or re-exports from, directly (declaration files and
 * node_modules left out). Cached per source file object: a new program after an edit gives the
 * edited file a new object, while unchanged files keep theirs (and their answer).
 */
export class DependencyGraph {
  private cache = new WeakMap<ts.SourceFile, ts.SourceFile[]>();

  /**
   * The workspace files `sourceFile` imports or re-exports from directly: an edit to one of them
   * (or to what they import in turn) can change its steps, graphs and diagnostics. Consumers walk
   * the transitive closure when they need it (only on an edit), not on every analysis.
   */
  direct(sourceFile: ts.SourceFile, checker: ts.TypeChecker): string[] {
    return this.directOf(sourceFile, checker).map((f) => f.fileName);
  }

  /** Forgets every answer (the program changed in a way that may move imports). */
  reset(): void {
    this.cache = new WeakMap();
  }

  private directOf(sourceFile: ts.SourceFile, checker: ts.TypeChecker): ts.SourceFile[] {
    const known = this.cache.get(sourceFile);
    if (known) return known;
    const found: ts.SourceFile[] = [];
    for (const statement of sourceFile.statements) {
      const specifier = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
      if (!specifier) continue;
      const target = checker.getSymbolAtLocation(specifier)?.valueDeclaration;
      if (target && ts.isSourceFile(target) && !target.isDeclarationFile && !/[\\/]node_modules[\\/]/.test(target.fileName)) found.push(target);
    }
    this.cache.set(sourceFile, found);
    return found;
  }
}
