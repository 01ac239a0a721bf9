import * as path from 'node:path';
import ts from 'typescript';
import { checkDefinition, checkPipelineBody } from './checks';
import { findDefinitions, pipewrightCallee, rangeOf, stringArray, property, type Definition } from './definitions';
import type { AnalysisDiagnostic, FileAnalysis, StepInfo } from './model';
import { StaticDagBuilder } from './staticDag';

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  allowJs: true,
  noEmit: true,
  skipLibCheck: true,
  esModuleInterop: true,
};

/**
 * The analysis engine: a TypeScript language service over the workspace with open documents
 * overlaid, asked only about the file being analysed (never a whole-program type check), so an
 * edit costs the re-analysis of that file. Pure: no editor or LSP imports.
 */
export class Analyzer {
  private readonly documents = new Map<string, { text: string; version: number }>();
  /** One language service per tsconfig (multi-root workspaces and several tsconfigs), keyed by its path. */
  private readonly projects = new Map<string, { service: ts.LanguageService; roots: Set<string> }>();
  private readonly registry = ts.createDocumentRegistry();
  enforceTypeAnnotations = false;

  constructor(private readonly fallbackOptions: ts.CompilerOptions = COMPILER_OPTIONS) {}

  /** Opens or updates an in-editor document (its text wins over the file on disk). */
  setDocument(file: string, text: string): void {
    const key = path.resolve(file);
    const previous = this.documents.get(key);
    this.documents.set(key, { text, version: (previous?.version ?? 0) + 1 });
    this.projectFor(key).roots.add(key);
  }

  closeDocument(file: string): void {
    this.documents.delete(path.resolve(file));
  }

  /** The language service of the nearest tsconfig.json (or of defaults when there is none). */
  private projectFor(file: string): { service: ts.LanguageService; roots: Set<string> } {
    const config = ts.findConfigFile(path.dirname(file), (f) => ts.sys.fileExists(f)) ?? '<defaults>';
    let project = this.projects.get(config);
    if (!project) {
      const options = config === '<defaults>' ? this.fallbackOptions : optionsFromConfig(config, this.fallbackOptions);
      const roots = new Set<string>();
      const host: ts.LanguageServiceHost = {
        getCompilationSettings: () => options,
        getScriptFileNames: () => [...roots],
        getScriptVersion: (f) => String(this.documents.get(f)?.version ?? 0),
        getScriptSnapshot: (f) => {
          const open = this.documents.get(f);
          if (open) return ts.ScriptSnapshot.fromString(open.text);
          const text = ts.sys.readFile(f);
          return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
        },
        getCurrentDirectory: () => (config === '<defaults>' ? process.cwd() : path.dirname(config)),
        getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
        fileExists: (f) => this.documents.has(f) || ts.sys.fileExists(f),
        readFile: (f) => this.documents.get(f)?.text ?? ts.sys.readFile(f),
        readDirectory: ts.sys.readDirectory,
        directoryExists: ts.sys.directoryExists,
        getDirectories: ts.sys.getDirectories,
        realpath: ts.sys.realpath,
      };
      project = { service: ts.createLanguageService(host, this.registry), roots };
      this.projects.set(config, project);
    }
    return project;
  }

  /** Steps, pipelines (with their static DAGs) and diagnostics of one file. Never throws on broken code. */
  analyze(file: string): FileAnalysis {
    const key = path.resolve(file);
    const project = this.projectFor(key);
    project.roots.add(key);
    const empty: FileAnalysis = { file: key, steps: [], pipelines: [], diagnostics: [] };
    let program: ts.Program | undefined;
    try {
      program = project.service.getProgram();
    } catch {
      return empty;
    }
    const sourceFile = program?.getSourceFile(key);
    if (!program || !sourceFile) return empty;
    const checker = program.getTypeChecker();
    const diagnostics: AnalysisDiagnostic[] = [];
    try {
      const definitions = findDefinitions(sourceFile, checker);
      for (const definition of definitions) diagnostics.push(...checkDefinition(definition, this.enforceTypeAnnotations, checker));
      const resolve = (callee: ts.Expression) => this.definitionOf(callee, checker);
      const pipelines = definitions.filter((d) => d.kind === 'pipeline' && d.fn).map((d) => new StaticDagBuilder(resolve, diagnostics, checker).build(d));
      diagnostics.push(...stepsOutsidePipelines(sourceFile, definitions, resolve));
      for (const definition of definitions) diagnostics.push(...checkPipelineBody(definition, (id) => isStepResult(id, checker, resolve)));
      const steps: StepInfo[] = definitions
        .filter((d) => d.kind === 'step' && d.name)
        .map((d) => {
          const outputs = stringArray(d.options ? property(d.options, 'outputs') : undefined);
          const signature = d.fn ? checker.getSignatureFromDeclaration(d.fn) : undefined;
          return {
            name: d.name as string,
            file: key,
            range: rangeOf(d.call, sourceFile),
            params: (d.fn?.parameters ?? []).map((p, i) => (ts.isIdentifier(p.name) ? p.name.text : `arg${i}`)),
            paramTypes: (d.fn?.parameters ?? []).map((p) => (p.type ? p.type.getText(sourceFile) : checker.typeToString(checker.getTypeAtLocation(p)))),
            returnType: d.fn?.type ? d.fn.type.getText(sourceFile) : signature ? checker.typeToString(checker.getReturnTypeOfSignature(signature)) : 'unknown',
            outputs: outputs && outputs.length > 0 ? outputs : ['output'],
            ...(d.options ? { options: d.options.getText(sourceFile) } : {}),
          };
        });
      return { file: key, steps, pipelines, diagnostics: dedupe(diagnostics).filter((d) => path.resolve(d.file) === key) };
    } catch {
      // Half-typed code can confuse any walker: report what we have rather than failing.
      return { ...empty, diagnostics };
    }
  }

  /** The step or pipeline definition an identifier (or `ns.name`) refers to, across files. */
  private definitionOf(callee: ts.Expression, checker: ts.TypeChecker): Definition | undefined {
    const name = ts.isIdentifier(callee) ? callee : ts.isPropertyAccessExpression(callee) ? callee.name : undefined;
    if (!name) return undefined;
    let symbol = checker.getSymbolAtLocation(name);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const declaration = symbol?.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer || !ts.isCallExpression(declaration.initializer)) return undefined;
    const call = declaration.initializer;
    const kind = pipewrightCallee(checker, call.expression);
    if (!kind) return undefined;
    return findDefinitions(call.getSourceFile(), checker).find((d) => d.call === call);
  }
}

/** Whether an identifier holds what a step call returned (a handle), judged by its declaration. */
function isStepResult(id: ts.Identifier, checker: ts.TypeChecker, resolve: (callee: ts.Expression) => Definition | undefined): boolean {
  const declaration = checker.getSymbolAtLocation(id)?.valueDeclaration;
  if (!declaration) return false;
  const initializer = ts.isVariableDeclaration(declaration) ? declaration.initializer : ts.isBindingElement(declaration) ? ts.findAncestor(declaration, ts.isVariableDeclaration)?.initializer : undefined;
  if (!initializer || !ts.isCallExpression(initializer)) return false;
  let callee = initializer.expression;
  if (ts.isCallExpression(callee) && ts.isPropertyAccessExpression(callee.expression) && callee.expression.name.text === 'with') callee = callee.expression.expression;
  return resolve(callee)?.kind === 'step';
}

/** A tsconfig's compiler options, made fit for analysis (no emit, no project-build bookkeeping). */
function optionsFromConfig(config: string, fallback: ts.CompilerOptions): ts.CompilerOptions {
  const read = ts.readConfigFile(config, (f) => ts.sys.readFile(f));
  if (read.error) return fallback;
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(config), undefined, config);
  return { ...parsed.options, noEmit: true, composite: false, declaration: false, emitDeclarationOnly: false, incremental: false, skipLibCheck: true, allowJs: true };
}

/** Step calls outside any pipeline body run nothing: at run time they throw. */
function stepsOutsidePipelines(sourceFile: ts.SourceFile, definitions: Definition[], resolve: (callee: ts.Expression) => Definition | undefined): AnalysisDiagnostic[] {
  const bodies = definitions.filter((d) => d.kind === 'pipeline' && d.fn).map((d) => d.fn as ts.Node);
  const stepFunctions = definitions.filter((d) => d.kind === 'step' && d.fn).map((d) => d.fn as ts.Node);
  const out: AnalysisDiagnostic[] = [];
  const visit = (node: ts.Node, inside: boolean): void => {
    const nowInside = inside || bodies.includes(node) || stepFunctions.includes(node) || ts.isFunctionLike(node);
    if (ts.isCallExpression(node) && !nowInside) {
      const definition = resolve(node.expression);
      if (definition?.kind === 'step') {
        out.push({
          file: sourceFile.fileName,
          range: rangeOf(node, sourceFile),
          severity: 'error',
          code: 'step-outside-pipeline',
          message: `step "${definition.name ?? '?'}" is called outside a pipeline body; this throws at run time (call ${definition.name ?? 'it'}.fn(...) to run the function)`,
        });
      }
    }
    ts.forEachChild(node, (child) => visit(child, nowInside));
  };
  visit(sourceFile, false);
  return out;
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
