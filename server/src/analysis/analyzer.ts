import * as path from 'node:path';
import ts from 'typescript';
import { checkDefinition, checkPipelineBody } from './checks';
import { findDefinitions, pipewrightCallee, type Definition } from './definitions';
import { DependencyGraph } from './dependencies';
import { factoryDefinition } from './factories';
import { importProblems, incomplete, syntaxErrors, unparsable, unreadable } from './fileDiagnostics';
import type { AnalysisDiagnostic, FileAnalysis, StaticPipeline, StepInfo } from './model';
import type { NameResolver } from './nameResolver';
import type { Checkers } from './plainTypes';
import { isStepResult, stepsOutsidePipelines } from './placement';
import { StaticDagBuilder } from './staticDag';
import { describeStep } from './stepInfo';
import { Workspace } from './workspace';

/** Per-file settings (the editor's settings are per resource). */
export interface AnalyzeOptions {
  /** Overrides `Analyzer.enforceTypeAnnotations` for this file. */
  enforceTypeAnnotations?: boolean;
}

/**
 * The analysis engine: TypeScript projects over the workspace (one per tsconfig) with open
 * documents overlaid. `analyze(file)` finds steps, pipelines, ids, edges and options
 * syntactically, resolving names across files without a program (`NameResolver`), and asks the
 * type checker (the real program, built on first need) only the type questions the code leaves open: types nobody
 * wrote, and wiring whose written types are not plainly the same. Never a whole-program check;
 * an edit costs the re-analysis of the files it affects (`dependencies` of each result says which
 * those are). Pure: no editor or LSP imports; never throws on broken code.
 */
export class Analyzer {
  private readonly workspace = new Workspace();
  /** Definitions per source file, valid for one workspace version (any edit starts afresh). */
  private definitionCache = new WeakMap<ts.SourceFile, Definition[]>();
  private cacheResolver: NameResolver | undefined;
  private factoryCache = new WeakMap<ts.CallExpression, Definition | null>();
  private readonly dependencies = new DependencyGraph();
  /** Missing annotations are errors (the run would be refused) instead of warnings; `analyze` options override it per file. */
  enforceTypeAnnotations = false;

  /** Opens or updates an in-editor document (its text wins over the file on disk). */
  setDocument(file: string, text: string): void {
    this.workspace.setDocument(file, text);
  }

  /** Closes an in-editor document: the file on disk counts again. */
  closeDocument(file: string): void {
    this.workspace.closeDocument(file);
  }

  /** A file changed (or was deleted) on disk. */
  fileChanged(file: string): void {
    this.workspace.fileChanged(file);
  }

  /** A tsconfig.json changed on disk: every project is rebuilt from the configs as they are now. */
  configChanged(): void {
    this.workspace.reset();
  }

  /** Analyses several files read from disk (open documents keep their text): one program for the batch. */
  analyzeAll(files: readonly string[], optionsFor: (file: string) => AnalyzeOptions = () => ({})): FileAnalysis[] {
    try {
      this.workspace.addFiles(files);
    } catch {
      // A file that cannot be read is reported empty by analyze() below.
    }
    return files.map((file) => this.analyze(file, optionsFor(file)));
  }

  /**
   * Steps, pipelines (with their static DAGs) and diagnostics of one file. Each part (finding the
   * definitions, each definition's checks, each pipeline's DAG) that stops on an error is reported
   * where it is, as `analysis-incomplete`, and the other parts are still done: no error is hidden.
   */
  analyze(file: string, options: AnalyzeOptions = {}): FileAnalysis {
    const enforce = options.enforceTypeAnnotations ?? this.enforceTypeAnnotations;
    const key = path.resolve(file);
    const empty: FileAnalysis = { file: key, steps: [], pipelines: [], diagnostics: [], dependencies: [] };
    let loaded: ReturnType<Workspace['viewOf']>;
    try {
      loaded = this.workspace.viewOf(key);
    } catch (error) {
      // An unreadable tsconfig or a file system error.
      return { ...empty, diagnostics: [unreadable(key, error)], internalError: stackOf(error) };
    }
    if (!loaded) {
      const failure = this.workspace.parseFailure(key);
      return failure ? { ...empty, diagnostics: [unparsable(key, failure)] } : empty;
    }
    const { view, sourceFile } = loaded;
    const resolver = view.resolver;
    if (resolver !== this.cacheResolver) {
      this.cacheResolver = resolver;
      this.definitionCache = new WeakMap();
      this.factoryCache = new WeakMap();
      this.dependencies.reset();
    }
    // Names are resolved syntactically: types go to `checkers.types()`.
    const checkers: Checkers = { names: resolver, types: view.types };
    const diagnostics: AnalysisDiagnostic[] = [...syntaxErrors(sourceFile)];
    const errors: string[] = [];
    // Half-typed code can trip any walker, and the compiler's own walks can run out of stack on
    // deep code: the part is reported unfinished, with its location, and the rest goes on.
    const attempt = <T>(at: ts.Node, what: string, work: () => T): T | undefined => {
      try {
        return work();
      } catch (error) {
        diagnostics.push(incomplete(at, what, error));
        errors.push(stackOf(error));
        return undefined;
      }
    };
    const label = (d: Definition) => `${d.kind} "${d.name ?? '?'}"`;
    const dependencies = attempt(sourceFile, "this file's imports", () => this.dependencies.direct(sourceFile, view.modulePath)) ?? [];
    attempt(sourceFile, "this file's imports", () => diagnostics.push(...importProblems(sourceFile, view.modulePath, view.parseFailure)));
    const definitions = attempt(sourceFile, 'this file', () => this.definitionsIn(sourceFile, resolver)) ?? [];
    const resolve = (callee: ts.Expression) => this.definitionOf(callee, resolver);
    for (const definition of definitions) attempt(definition.call, label(definition), () => diagnostics.push(...checkDefinition(definition, enforce, checkers)));
    const pipelines: StaticPipeline[] = [];
    for (const definition of definitions) {
      if (definition.kind !== 'pipeline' || !definition.fn) continue;
      const builder = new StaticDagBuilder(resolve, diagnostics, checkers);
      // A DAG that could not be built to the end is still shown as far as it was, with the error.
      pipelines.push(attempt(definition.call, `the DAG of ${label(definition)}`, () => builder.build(definition)) ?? builder.builtSoFar(definition));
    }
    attempt(sourceFile, 'this file', () => diagnostics.push(...stepsOutsidePipelines(sourceFile, definitions, resolve)));
    for (const definition of definitions) attempt(definition.call, label(definition), () => diagnostics.push(...checkPipelineBody(definition, (id) => isStepResult(id, resolver, resolve))));
    const steps: StepInfo[] = [];
    for (const definition of definitions) {
      if (definition.kind !== 'step' || !definition.name) continue;
      const described = attempt(definition.call, label(definition), () => describeStep(definition, checkers));
      if (described) steps.push(described);
    }
    return {
      file: key,
      steps,
      pipelines,
      diagnostics: dedupe(diagnostics).filter((d) => path.resolve(d.file) === key),
      dependencies,
      ...(errors.length > 0 ? { internalError: errors.join('\n') } : {}),
    };
  }

  private definitionsIn(sourceFile: ts.SourceFile, resolver: NameResolver): Definition[] {
    let found = this.definitionCache.get(sourceFile);
    if (!found) {
      found = findDefinitions(sourceFile, resolver);
      this.definitionCache.set(sourceFile, found);
    }
    return found;
  }

  /**
   * The step or pipeline definition an identifier (or `ns.name`) refers to, across files: through
   * import aliases, namespace imports, re-exports and local re-bindings (`const clean = steps.clean`).
   */
  private definitionOf(callee: ts.Expression, resolver: NameResolver, depth = 0): Definition | undefined {
    if ((!ts.isIdentifier(callee) && !ts.isPropertyAccessExpression(callee)) || depth > 8) return undefined;
    const declaration = resolver.valueDeclaration(callee);
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
    let initializer = declaration.initializer;
    while (ts.isParenthesizedExpression(initializer) || ts.isAsExpression(initializer) || ts.isSatisfiesExpression(initializer)) initializer = initializer.expression;
    if (ts.isIdentifier(initializer) || ts.isPropertyAccessExpression(initializer)) return this.definitionOf(initializer, resolver, depth + 1);
    if (!ts.isCallExpression(initializer)) return undefined;
    if (!pipewrightCallee(resolver, initializer.expression)) return this.madeByFactory(initializer, resolver);
    const call = initializer;
    return this.definitionsIn(call.getSourceFile(), resolver).find((d) => d.call === call);
  }

  /**
   * `const s3 = middle('s3')` where `middle = (name) => step({ name }, fn)`: a step made by a
   * factory function that returns a `step(...)` call, named by a literal argument (or its own name).
   */
  private madeByFactory(outer: ts.CallExpression, resolver: NameResolver): Definition | undefined {
    const known = this.factoryCache.get(outer);
    if (known !== undefined) return known ?? undefined;
    const found = factoryDefinition(outer, resolver, (call) => this.definitionsIn(call.getSourceFile(), resolver).find((d) => d.call === call));
    this.factoryCache.set(outer, found ?? null);
    return found;
  }
}

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function dedupe(diagnostics: AnalysisDiagnostic[]): AnalysisDiagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}:${d.range.start.line}:${d.range.start.character}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
