import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import type { TypeDescriptor } from './typeDescriptor';

export interface ParamManifest {
  name: string;
  /** Whether the parameter has an explicit type annotation (a default value alone is not one). */
  annotated: boolean;
  typeText: string;
  type: TypeDescriptor;
  optional: boolean;
  isAny: boolean;
}

export interface StepManifest {
  name: string;
  file: string;
  line: number;
  column: number;
  params: ParamManifest[];
  returnAnnotated: boolean;
  returnTypeText: string;
  /** Return type with Promise unwrapped. */
  returnType: TypeDescriptor;
  declaredOutputs?: string[];
  /** `output` for a single output, else each declared output's property type. */
  outputTypes: Record<string, TypeDescriptor>;
}

export interface PipelineManifest {
  name: string;
  file: string;
  line: number;
  column: number;
  params: ParamManifest[];
}

export interface ExtractionProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** What the TypeScript pass knows of a pipeline file and its imports. */
export interface ModuleManifest {
  steps: Record<string, StepManifest>;
  pipelines: Record<string, PipelineManifest>;
  problems: ExtractionProblem[];
}

/** Options when no tsconfig.json applies. */
const DEFAULT_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // Node programs: no DOM (whose declarations alone cost more to load than most pipelines).
  lib: ['lib.es2023.d.ts'],
  strict: true,
  allowJs: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  skipLibCheck: true,
};

/**
 * Finds every `step(...)` and `pipeline(...)` call that resolves to pipewright's exports in the
 * program rooted at `entryFile`, and records names, annotations and type descriptors.
 *
 * Only the step and pipeline functions are queried, never a whole-program type check. Parsed
 * files are kept between calls (keyed by compiler options, reused while their text is the same),
 * so a repeated extraction in one process costs a fraction of the first. Broken code only means
 * less is found: nothing here throws for the user's code.
 */
export function extractModuleManifest(entryFile: string, options: { tsconfigPath?: string } = {}): ModuleManifest {
  const entry = path.resolve(entryFile);
  const manifest: ModuleManifest = { steps: {}, pipelines: {}, problems: [] };
  const atStart = (message: string): ExtractionProblem => ({ file: entry, line: 1, column: 1, message });
  let program: ts.Program;
  try {
    const { compilerOptions, extraRoots } = compilerOptionsFor(entry, options.tsconfigPath);
    program = ts.createProgram({ rootNames: [entry, ...extraRoots], options: compilerOptions, host: cachingHost(compilerOptions) });
  } catch (error) {
    manifest.problems.push(atStart(`TypeScript could not load the program: ${(error as Error).message}`));
    return manifest;
  }
  if (!program.getSourceFile(entry)) {
    manifest.problems.push(atStart(fs.existsSync(entry) ? 'the file is not TypeScript or JavaScript the analysis can read' : 'file not found'));
    return manifest;
  }
  let extractor: Extractor;
  try {
    extractor = new Extractor(program.getTypeChecker(), manifest);
  } catch (error) {
    manifest.problems.push(atStart(`TypeScript could not check the program: ${(error as Error).message}`));
    return manifest;
  }
  for (const sourceFile of program.getSourceFiles()) {
    if (sourceFile.isDeclarationFile || /[\\/]node_modules[\\/]/.test(sourceFile.fileName) || isInPipewrightPackage(sourceFile.fileName)) continue;
    if (program.isSourceFileDefaultLibrary(sourceFile) || sourceFile.fileName.endsWith('.json')) continue;
    extractor.visitFile(sourceFile);
  }
  return manifest;
}

/** Human messages for each missing annotation of a step (used by enforceTypeAnnotations). */
export function annotationProblems(step: StepManifest): string[] {
  const problems: string[] = [];
  for (const param of step.params) {
    if (!param.annotated) problems.push(`parameter '${param.name}' has no type annotation`);
    else if (param.isAny) problems.push(`parameter '${param.name}' is typed any`);
  }
  if (!step.returnAnnotated) problems.push('return type is not annotated');
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Compiler options and the program
// ---------------------------------------------------------------------------------------------

interface ResolvedConfig {
  compilerOptions: ts.CompilerOptions;
  /** Declaration files the tsconfig includes (ambient modules and globals the code relies on). */
  extraRoots: string[];
}

function compilerOptionsFor(entry: string, explicit: string | undefined): ResolvedConfig {
  const configPath = explicit ? path.resolve(explicit) : ts.findConfigFile(path.dirname(entry), (file) => ts.sys.fileExists(file));
  let parsed = configPath ? parseConfig(configPath) : undefined;
  // A solution-style tsconfig (`files: []` and references): use the referenced project that has the file.
  if (parsed && parsed.fileNames.length === 0 && parsed.projectReferences?.length) {
    const wanted = normalize(entry);
    for (const reference of parsed.projectReferences) {
      const referenced = parseConfig(ts.resolveProjectReferencePath(reference));
      if (referenced?.fileNames.some((file) => normalize(file) === wanted)) {
        parsed = referenced;
        break;
      }
    }
  }
  const base = parsed ? parsed.options : DEFAULT_OPTIONS;
  // Only types are queried: no emit, no project-build bookkeeping, no library checks.
  const compilerOptions: ts.CompilerOptions = {
    ...base,
    noEmit: true,
    composite: false,
    declaration: false,
    declarationMap: false,
    emitDeclarationOnly: false,
    incremental: false,
    tsBuildInfoFile: undefined,
    skipLibCheck: true,
    skipDefaultLibCheck: true,
    allowJs: true,
  };
  const extraRoots = parsed ? parsed.fileNames.filter((file) => /\.d\.[cm]?ts$/.test(file)) : [];
  return { compilerOptions, extraRoots };
}

function parseConfig(configPath: string): ts.ParsedCommandLine | undefined {
  try {
    const read = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
    if (read.error || typeof read.config !== 'object' || read.config === null) return undefined;
    return ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configPath), undefined, configPath);
  } catch {
    return undefined;
  }
}

function normalize(file: string): string {
  const resolved = path.resolve(file).replace(/\\/g, '/');
  return ts.sys.useCaseSensitiveFileNames ? resolved : resolved.toLowerCase();
}

interface CachedSource {
  text: string;
  file: ts.SourceFile;
}

/**
 * Parsed (and, once a checker has bound them, bound) source files by compiler-options
 * fingerprint, then by file and parse settings. A file is reused only while its text is the same;
 * checkers keep their own per-program state, so sharing files between programs with the same
 * options is safe (the language service's document registry does the same).
 */
const sourceCaches = new Map<string, Map<string, CachedSource>>();
const MAX_CACHED_OPTION_SETS = 4;
/** Files kept per option set; past it the set starts over (a daemon may see many projects). */
const MAX_CACHED_FILES = 4000;
/** The options that change how a file is parsed or bound (so projects differing only in others share files). */
const SOURCE_AFFECTING_OPTIONS = [
  'target',
  'module',
  'moduleResolution',
  'moduleDetection',
  'jsx',
  'jsxImportSource',
  'importHelpers',
  'alwaysStrict',
  'strict',
  'preserveConstEnums',
  'isolatedModules',
  'verbatimModuleSyntax',
  'allowUnreachableCode',
  'allowUnusedLabels',
  'noFallthroughCasesInSwitch',
] as const;

function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  // Doc comments matter only where they carry types (JavaScript files); skipping the rest is faster.
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeInfo;
  const fingerprint = JSON.stringify(SOURCE_AFFECTING_OPTIONS.map((key) => options[key] ?? null));
  let cache = sourceCaches.get(fingerprint);
  if (cache) {
    sourceCaches.delete(fingerprint);
  } else {
    cache = new Map();
    if (sourceCaches.size >= MAX_CACHED_OPTION_SETS) sourceCaches.delete(sourceCaches.keys().next().value as string);
  }
  sourceCaches.set(fingerprint, cache);
  const files = cache;
  host.getSourceFile = (fileName, languageVersionOrOptions, onError) => {
    let text: string | undefined;
    try {
      text = host.readFile(fileName);
    } catch (error) {
      onError?.((error as Error).message);
      return undefined;
    }
    if (text === undefined) return undefined;
    const settings =
      typeof languageVersionOrOptions === 'object'
        ? `${languageVersionOrOptions.languageVersion}/${String(languageVersionOrOptions.impliedNodeFormat)}/${String(languageVersionOrOptions.jsDocParsingMode)}`
        : String(languageVersionOrOptions);
    const key = `${fileName}\0${settings}`;
    const cached = files.get(key);
    if (cached && cached.text === text) return cached.file;
    const file = ts.createSourceFile(fileName, text, languageVersionOrOptions, true);
    if (files.size >= MAX_CACHED_FILES) files.clear();
    files.set(key, { text, file });
    return file;
  };
  return host;
}

const pipewrightDirs = new Map<string, boolean>();

/** Whether a file belongs to the package named `pipewright` (walks up to the nearest package.json). */
function isInPipewrightPackage(file: string): boolean {
  const visited: string[] = [];
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const known = pipewrightDirs.get(dir);
    if (known !== undefined) return remember(visited, known);
    visited.push(dir);
    const manifestFile = path.join(dir, 'package.json');
    if (fs.existsSync(manifestFile)) {
      let name: unknown;
      try {
        name = (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { name?: unknown }).name;
      } catch {
        name = undefined;
      }
      return remember(visited, name === 'pipewright');
    }
    if (path.dirname(dir) === dir) return remember(visited, false);
  }
}

function remember(dirs: string[], value: boolean): boolean {
  for (const dir of dirs) pipewrightDirs.set(dir, value);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Finding steps and pipelines
// ---------------------------------------------------------------------------------------------

type FunctionLike = ts.FunctionExpression | ts.ArrowFunction | ts.FunctionDeclaration;
type Kind = 'step' | 'pipeline';

/** Where a name came from: known, or why it cannot be known before running. */
type NameResult = { name: string } | { problem: string } | undefined;

class Extractor {
  private readonly describer: Describer;
  /** The function each recorded name belongs to (two functions under one name is a conflict). */
  private readonly owners = new Map<string, FunctionLike>();
  private readonly calleeKinds = new Map<ts.Symbol, Kind | undefined>();

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly manifest: ModuleManifest,
  ) {
    this.describer = new Describer(checker);
  }

  visitFile(sourceFile: ts.SourceFile): void {
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        let kind: Kind | undefined;
        try {
          kind = this.pipewrightCallee(node.expression);
          if (kind) this.record(kind, node, sourceFile);
        } catch (error) {
          const where = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
          this.manifest.problems.push({
            file: sourceFile.fileName,
            line: where.line + 1,
            column: where.character + 1,
            message: `${kind ?? 'call'}(): the analysis failed here (${(error as Error).message})`,
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }

  /** `step` or `pipeline` when the callee resolves to that export of pipewright. */
  private pipewrightCallee(callee: ts.Expression): Kind | undefined {
    const expression = skipOuter(callee);
    let name: ts.Identifier | undefined;
    if (ts.isIdentifier(expression)) {
      name = expression;
    } else if (ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.name)) {
      // Only `ns.step` where `ns` is a module (a namespace import or a re-exported namespace):
      // asking for the type of any other object would cost type checking for nothing.
      let target = skipOuter(expression.expression);
      while (ts.isPropertyAccessExpression(target)) target = skipOuter(target.expression);
      if (!ts.isIdentifier(target)) return undefined;
      const left = this.resolved(this.checker.getSymbolAtLocation(target));
      if (!left || !(left.flags & ts.SymbolFlags.Module)) return undefined;
      name = expression.name;
    }
    if (!name) return undefined;
    const symbol = this.checker.getSymbolAtLocation(name);
    if (!symbol) return undefined;
    if (this.calleeKinds.has(symbol)) return this.calleeKinds.get(symbol);
    const kind = this.kindOf(symbol);
    this.calleeKinds.set(symbol, kind);
    return kind;
  }

  private kindOf(symbol: ts.Symbol): Kind | undefined {
    const resolved = this.resolved(symbol);
    if (!resolved) return undefined;
    const direct = pipewrightExport(resolved);
    if (direct) return direct;
    // `const s = step` or `const { step } = pw`: a constant whose type is pipewright's function.
    const declaration = resolved.valueDeclaration;
    if (
      declaration &&
      (ts.isVariableDeclaration(declaration) || ts.isBindingElement(declaration)) &&
      ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const &&
      !isInPipewrightPackage(declaration.getSourceFile().fileName)
    ) {
      const typeSymbol = this.checker.getTypeOfSymbol(resolved).getSymbol();
      return typeSymbol ? pipewrightExport(this.resolved(typeSymbol) ?? typeSymbol) : undefined;
    }
    return undefined;
  }

  private resolved(symbol: ts.Symbol | undefined): ts.Symbol | undefined {
    if (!symbol) return undefined;
    if (!(symbol.flags & ts.SymbolFlags.Alias)) return symbol;
    const aliased = this.checker.getAliasedSymbol(symbol);
    return aliased.flags & ts.SymbolFlags.Alias ? undefined : aliased;
  }

  private record(kind: Kind, call: ts.CallExpression, sourceFile: ts.SourceFile): void {
    const where = sourceFile.getLineAndCharacterOfPosition(call.getStart(sourceFile));
    const location = { file: sourceFile.fileName, line: where.line + 1, column: where.character + 1 };
    const problem = (message: string) => this.manifest.problems.push({ ...location, message });
    const args = call.arguments;
    if (args.length === 0 || args.some(ts.isSpreadElement)) {
      problem(`${kind}() needs a function as its last argument (optionally after an options object)`);
      return;
    }
    const options = args.length >= 2 ? args[0] : undefined;
    const target = this.functionOf(args[args.length - 1]);
    if (!target) {
      problem(`${kind}(): the last argument is not a function the analysis can follow (a function expression, arrow or named function)`);
      return;
    }
    const { fn } = target;
    const nameOption = options ? this.stringOption(options, 'name') : undefined;
    if (nameOption && 'problem' in nameOption) {
      problem(`the ${kind}'s name cannot be known before running: ${nameOption.problem}`);
      return;
    }
    const name = nameOption?.name ?? target.name;
    if (!name) {
      problem(`a ${kind} needs a name: pass a named function (function load(...) {...}) or the name option`);
      return;
    }
    const owner = this.owners.get(`${kind}\0${name}`);
    if (owner && owner !== fn) {
      problem(`two different ${kind}s are named "${name}"; give one a distinct name with the name option`);
      return;
    }
    if (owner) return;
    this.owners.set(`${kind}\0${name}`, fn);

    const signature = this.checker.getSignatureFromDeclaration(fn);
    // A `this` parameter is TypeScript-only: not in the signature's parameters, nor at run time.
    const declared = fn.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'));
    const params = declared.map((param, index) => this.param(param, index, signature, sourceFile));
    if (kind === 'pipeline') {
      this.manifest.pipelines[name] = { name, ...location, params };
      return;
    }

    const rawReturn = signature ? this.checker.getReturnTypeOfSignature(signature) : undefined;
    const returned = rawReturn ? (this.checker.getAwaitedType(rawReturn) ?? rawReturn) : undefined;
    const returnType = returned ? this.describer.describe(returned) : ({ kind: 'unknown' } as const);
    const outputs = options ? this.outputsOption(options) : undefined;
    if (outputs && 'problem' in outputs) problem(`step "${name}": ${outputs.problem}; its outputs are not known before running`);
    const declaredOutputs = outputs && 'names' in outputs ? outputs.names : undefined;
    const outputTypes: Record<string, TypeDescriptor> = {};
    if (declaredOutputs && declaredOutputs.length > 0) {
      for (const output of declaredOutputs) {
        const property = returned ? this.propertyOf(returned, output) : undefined;
        outputTypes[output] = property ? this.describer.describe(this.checker.getTypeOfSymbol(property)) : { kind: 'unknown' };
      }
    } else if (!outputs || !('problem' in outputs)) {
      outputTypes.output = returnType;
    }
    const returnNode = fn.type ?? (isJsFile(sourceFile) ? ts.getJSDocReturnType(fn) : undefined);
    this.manifest.steps[name] = {
      name,
      ...location,
      params,
      returnAnnotated: returnNode !== undefined,
      returnTypeText: returned ? this.checker.typeToString(returned, fn) : 'unknown',
      returnType,
      ...(declaredOutputs ? { declaredOutputs } : {}),
      outputTypes,
    };
  }

  private propertyOf(type: ts.Type, name: string): ts.Symbol | undefined {
    // For a union of object types the property exists when every member has it.
    return this.checker.getPropertyOfType(this.checker.getNonNullableType(type), name);
  }

  /** The function passed to step()/pipeline() and the name the runtime would see (`fn.name`). */
  private functionOf(argument: ts.Expression): { fn: FunctionLike; name?: string } | undefined {
    const node = skipOuter(argument);
    if (ts.isFunctionExpression(node) || ts.isArrowFunction(node)) {
      return { fn: node, name: ts.isFunctionExpression(node) ? node.name?.text : undefined };
    }
    if (!ts.isIdentifier(node)) return undefined;
    const symbol = this.resolved(this.checker.getSymbolAtLocation(node));
    const declarations = symbol?.declarations ?? [];
    const withBody = declarations.find((d): d is ts.FunctionDeclaration => ts.isFunctionDeclaration(d) && d.body !== undefined);
    const declaration = withBody ?? declarations[0];
    if (!declaration) return undefined;
    if (ts.isFunctionDeclaration(declaration)) return { fn: declaration, name: declaration.name?.text ?? (hasDefaultModifier(declaration) ? 'default' : undefined) };
    if (ts.isVariableDeclaration(declaration) && declaration.initializer && ts.isIdentifier(declaration.name)) {
      const initializer = skipOuter(declaration.initializer);
      // `const load = async (path: string) => ...` is named "load" by the language.
      if (ts.isFunctionExpression(initializer)) return { fn: initializer, name: initializer.name?.text ?? declaration.name.text };
      if (ts.isArrowFunction(initializer)) return { fn: initializer, name: declaration.name.text };
    }
    return undefined;
  }

  /** The object literal behind an options argument (inline, or a `const` initialised with one). */
  private optionsLiteral(options: ts.Expression): ts.ObjectLiteralExpression | undefined {
    const node = skipOuter(options);
    if (ts.isObjectLiteralExpression(node)) return node;
    if (!ts.isIdentifier(node)) return undefined;
    const declaration = this.resolved(this.checker.getSymbolAtLocation(node))?.valueDeclaration;
    if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer && ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) {
      const initializer = skipOuter(declaration.initializer);
      if (ts.isObjectLiteralExpression(initializer)) return initializer;
    }
    return undefined;
  }

  /**
   * The value expression of option `key`: `null` when the options surely lack it, undefined when
   * that cannot be told (a spread, or options that are not an object literal).
   */
  private optionExpression(options: ts.Expression, key: string): ts.Expression | null | undefined {
    const literal = this.optionsLiteral(options);
    if (!literal) return undefined;
    let found: ts.Expression | null = null;
    let unknown = false;
    for (const property of literal.properties) {
      if (ts.isPropertyAssignment(property) && propertyName(property.name) === key) {
        found = property.initializer;
        unknown = false;
      } else if (ts.isShorthandPropertyAssignment(property) && property.name.text === key) {
        found = property.name;
        unknown = false;
      } else if (ts.isSpreadAssignment(property)) {
        const spreadType = this.checker.getTypeAtLocation(property.expression);
        if (this.checker.getPropertyOfType(spreadType, key)) unknown = true;
      }
    }
    return unknown ? undefined : found;
  }

  private stringOption(options: ts.Expression, key: string): NameResult {
    const expression = this.optionExpression(options, key);
    if (expression === null) return undefined;
    if (expression === undefined) {
      // Not an object literal: ask the type of the options for a constant.
      const property = this.checker.getPropertyOfType(this.checker.getTypeAtLocation(options), key);
      if (!property) return undefined;
      const value = this.checker.getTypeOfSymbol(property);
      return value.isStringLiteral() ? { name: value.value } : { problem: `its ${key} option is not a constant string` };
    }
    const node = skipOuter(expression);
    if (ts.isStringLiteralLike(node)) return { name: node.text };
    const type = this.checker.getTypeAtLocation(node);
    if (type.isStringLiteral()) return { name: type.value };
    if (type.flags & ts.TypeFlags.Undefined) return undefined;
    return { problem: `its ${key} option is not a constant string` };
  }

  private outputsOption(options: ts.Expression): { names: string[] } | { problem: string } | undefined {
    const expression = this.optionExpression(options, 'outputs');
    if (expression === null) return undefined;
    if (expression !== undefined) {
      const node = skipOuter(expression);
      if (ts.isArrayLiteralExpression(node) && node.elements.every(ts.isStringLiteralLike)) return { names: node.elements.map((e) => (e as ts.StringLiteralLike).text) };
    }
    // A constant list elsewhere (`as const`), or what the step() call inferred for its `outputs`.
    let type: ts.Type | undefined;
    if (expression) {
      type = this.checker.getTypeAtLocation(expression);
    } else {
      const property = this.checker.getPropertyOfType(this.checker.getTypeAtLocation(options), 'outputs');
      if (!property) return undefined;
      type = this.checker.getTypeOfSymbol(property);
    }
    if (type.flags & ts.TypeFlags.Undefined) return undefined;
    const names = this.checker.isTupleType(type) ? this.checker.getTypeArguments(type as ts.TypeReference).map((t) => (t.isStringLiteral() ? t.value : undefined)) : undefined;
    if (names && names.every((n): n is string => n !== undefined)) return { names };
    return { problem: 'the outputs option is not a constant list of strings' };
  }

  private param(param: ts.ParameterDeclaration, index: number, signature: ts.Signature | undefined, sourceFile: ts.SourceFile): ParamManifest {
    const annotation = param.type ?? (isJsFile(sourceFile) ? ts.getJSDocType(param) : undefined);
    const symbol = signature?.parameters[index];
    let type = symbol ? this.checker.getTypeOfSymbol(symbol) : this.checker.getTypeAtLocation(param);
    if (!annotation && param.initializer && type.flags & ts.TypeFlags.Any) {
      // step()/pipeline() type their function's parameters as any[], so an unannotated parameter
      // with a default is contextually any; its default value says more (`lr = 0.1` is a number).
      const initial = this.checker.getBaseTypeOfLiteralType(this.checker.getTypeAtLocation(param.initializer));
      if (!(initial.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Any))) type = initial;
    }
    const optional = param.questionToken !== undefined || param.initializer !== undefined || param.dotDotDotToken !== undefined;
    let descriptor = this.describer.describe(type);
    if (param.questionToken) descriptor = withoutUndefined(descriptor);
    if (!annotation && containsNever(descriptor)) descriptor = { kind: 'opaque', text: this.checker.typeToString(type) };
    return {
      name: ts.isIdentifier(param.name) ? param.name.text : `arg${index}`,
      annotated: annotation !== undefined,
      typeText: param.type ? param.type.getText(sourceFile) : this.checker.typeToString(type, param),
      type: descriptor,
      optional,
      isAny: (type.flags & ts.TypeFlags.Any) !== 0,
    };
  }
}

/** `step` or `pipeline` when the symbol is that function of the package named pipewright. */
function pipewrightExport(symbol: ts.Symbol): Kind | undefined {
  const name = symbol.getName();
  if (name !== 'step' && name !== 'pipeline') return undefined;
  if (!(symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable))) return undefined;
  const declaration = symbol.declarations?.[0];
  return declaration && isInPipewrightPackage(declaration.getSourceFile().fileName) ? name : undefined;
}

function skipOuter(node: ts.Expression): ts.Expression {
  let current = node;
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current) ||
    ts.isNonNullExpression(current) ||
    ts.isTypeAssertionExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

function hasDefaultModifier(node: ts.FunctionDeclaration): boolean {
  return (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Default) !== 0;
}

function isJsFile(sourceFile: ts.SourceFile): boolean {
  return /\.[cm]?jsx?$/.test(sourceFile.fileName);
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name) ? name.text : undefined;
}

function withoutUndefined(type: TypeDescriptor): TypeDescriptor {
  if (type.kind !== 'union') return type;
  const rest = type.types.filter((t) => t.kind !== 'undefined');
  return rest.length === 1 ? rest[0] : { kind: 'union', types: rest };
}

function containsNever(type: TypeDescriptor): boolean {
  switch (type.kind) {
    case 'never':
      return true;
    case 'array':
    case 'set':
      return containsNever(type.element);
    case 'tuple':
      return type.elements.some(containsNever) || (type.rest !== undefined && containsNever(type.rest));
    case 'map':
      return containsNever(type.key) || containsNever(type.value);
    case 'union':
      return type.types.some(containsNever);
    case 'object':
      return Object.values(type.properties).some((p) => containsNever(p.type)) || (type.index !== undefined && containsNever(type.index));
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Checker types to descriptors
// ---------------------------------------------------------------------------------------------

const TYPED_ARRAYS = new Set([
  'Int8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]);

/** Most descriptor nodes one type may produce; past it the rest is opaque (huge library types). */
const NODE_BUDGET = 2000;
/** Deepest nesting followed; deeper parts (and recursion) are opaque. */
const MAX_TYPE_DEPTH = 10;

/** Checker types to JSON descriptors; undecidable parts become `opaque` (always accepted). */
export class Describer {
  private readonly memo = new Map<ts.Type, TypeDescriptor>();
  private budget = 0;

  constructor(private readonly checker: ts.TypeChecker) {}

  describe(type: ts.Type): TypeDescriptor {
    const known = this.memo.get(type);
    if (known) return known;
    this.budget = NODE_BUDGET;
    const descriptor = this.inner(type, new Set(), 0);
    this.memo.set(type, descriptor);
    return descriptor;
  }

  private opaque(type: ts.Type): TypeDescriptor {
    return { kind: 'opaque', text: this.checker.typeToString(type) };
  }

  private inner(type: ts.Type, seen: Set<ts.Type>, depth: number): TypeDescriptor {
    if (--this.budget < 0 || depth > MAX_TYPE_DEPTH || seen.has(type)) return this.opaque(type);
    const f = type.flags;
    if (f & ts.TypeFlags.Any) return { kind: 'any' };
    if (f & ts.TypeFlags.Unknown) return { kind: 'unknown' };
    if (f & ts.TypeFlags.Never) return { kind: 'never' };
    if (f & ts.TypeFlags.StringLiteral) return { kind: 'literal', value: (type as ts.StringLiteralType).value };
    if (f & ts.TypeFlags.NumberLiteral) return { kind: 'literal', value: (type as ts.NumberLiteralType).value };
    if (f & ts.TypeFlags.BooleanLiteral) return { kind: 'literal', value: this.checker.typeToString(type) === 'true' };
    if (f & ts.TypeFlags.Boolean) return { kind: 'boolean' };
    if (f & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral | ts.TypeFlags.StringMapping)) return { kind: 'string' };
    if (f & ts.TypeFlags.Number) return { kind: 'number' };
    if (f & (ts.TypeFlags.BigInt | ts.TypeFlags.BigIntLiteral)) return { kind: 'bigint' };
    if (f & ts.TypeFlags.Null) return { kind: 'null' };
    if (f & ts.TypeFlags.Undefined) return { kind: 'undefined' };
    if (f & ts.TypeFlags.Void) return { kind: 'void' };
    if (!(f & (ts.TypeFlags.Union | ts.TypeFlags.Intersection | ts.TypeFlags.Object))) return this.opaque(type);
    seen.add(type);
    try {
      if (type.isUnion()) return this.union(type, seen, depth);
      if (type.isIntersection()) {
        // `A & B` of plain object types is one object with both sets of properties; anything else
        // (branded primitives, generics) stays opaque.
        const plain = type.types.every((t) => t.flags & ts.TypeFlags.Object && this.objectKind(t) === 'structural');
        return plain ? this.object(type, seen, depth) : this.opaque(type);
      }
      return this.objectType(type as ts.ObjectType, seen, depth);
    } finally {
      seen.delete(type);
    }
  }

  private union(type: ts.UnionType, seen: Set<ts.Type>, depth: number): TypeDescriptor {
    const members = type.types.map((member) => this.inner(member, seen, depth + 1));
    if (members.some((m) => m.kind === 'opaque' || m.kind === 'any' || m.kind === 'unknown')) return this.opaque(type);
    const isTrue = (m: TypeDescriptor) => m.kind === 'literal' && m.value === true;
    const isFalse = (m: TypeDescriptor) => m.kind === 'literal' && m.value === false;
    if (members.some(isTrue) && members.some(isFalse)) {
      const rest = members.filter((m) => !isTrue(m) && !isFalse(m));
      const boolean: TypeDescriptor = { kind: 'boolean' };
      return rest.length === 0 ? boolean : { kind: 'union', types: [...rest, boolean] };
    }
    return { kind: 'union', types: members };
  }

  /** How an object type is treated: by a dedicated descriptor, or structurally. */
  private objectKind(type: ts.Type): 'special' | 'structural' {
    if (this.checker.isArrayType(type) || this.checker.isTupleType(type)) return 'special';
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) return 'special';
    const symbol = type.getSymbol();
    if (symbol && symbol.flags & ts.SymbolFlags.Class) return 'special';
    if (symbol && isLibInterface(symbol)) return 'special';
    return 'structural';
  }

  private objectType(type: ts.ObjectType, seen: Set<ts.Type>, depth: number): TypeDescriptor {
    const checker = this.checker;
    if (checker.isTupleType(type)) return this.tuple(type as ts.TypeReference, seen, depth);
    if (checker.isArrayType(type)) {
      const element = checker.getTypeArguments(type as ts.TypeReference)[0];
      return { kind: 'array', element: element ? this.inner(element, seen, depth + 1) : { kind: 'unknown' } };
    }
    const symbol = type.getSymbol();
    const symbolName = symbol?.getName();
    const lib = symbol ? isLibInterface(symbol) : false;
    if (lib || (symbol && symbol.flags & ts.SymbolFlags.Interface)) {
      if (symbolName === 'Date') return { kind: 'date' };
      if (symbolName === 'Uint8Array' || symbolName === 'Buffer') return { kind: 'bytes' };
      if (symbolName && TYPED_ARRAYS.has(symbolName)) return { kind: 'typedArray', name: symbolName };
      const args = (type as ts.TypeReference).target ? checker.getTypeArguments(type as ts.TypeReference) : [];
      if ((symbolName === 'Map' || symbolName === 'ReadonlyMap') && args.length === 2) {
        return { kind: 'map', key: this.inner(args[0], seen, depth + 1), value: this.inner(args[1], seen, depth + 1) };
      }
      if ((symbolName === 'Set' || symbolName === 'ReadonlySet') && args.length === 1) return { kind: 'set', element: this.inner(args[0], seen, depth + 1) };
    }
    if (type.getConstructSignatures().length > 0) return { kind: 'function' };
    if (symbol && symbol.flags & ts.SymbolFlags.Class && symbolName) return { kind: 'class', name: symbolName };
    if (type.getCallSignatures().length > 0) return { kind: 'function' };
    // Library interfaces (Promise, RegExp, Error, streams...) are nominal in practice: not checked.
    if (lib) return this.opaque(type);
    return this.object(type, seen, depth);
  }

  private tuple(type: ts.TypeReference, seen: Set<ts.Type>, depth: number): TypeDescriptor {
    const target = type.target as ts.TupleType;
    const args = this.checker.getTypeArguments(type);
    const flags = target.elementFlags ?? [];
    if (flags.some((flag) => flag & ts.ElementFlags.Variadic)) return this.opaque(type);
    const elements: TypeDescriptor[] = [];
    let rest: TypeDescriptor | undefined;
    let minLength: number | undefined;
    for (let i = 0; i < args.length; i++) {
      const flag = flags[i] ?? ts.ElementFlags.Required;
      const element = this.inner(args[i], seen, depth + 1);
      if (flag & ts.ElementFlags.Rest) {
        // Only a trailing rest keeps a fixed prefix; `[...a[], b]` is left unchecked.
        if (i !== args.length - 1) return this.opaque(type);
        rest = element;
        minLength ??= elements.length;
        break;
      }
      if (flag & ts.ElementFlags.Optional) minLength ??= i;
      elements.push(flag & ts.ElementFlags.Optional ? withoutUndefined(element) : element);
    }
    return {
      kind: 'tuple',
      elements,
      ...(minLength !== undefined && minLength < elements.length ? { minLength } : {}),
      ...(rest ? { rest } : {}),
    };
  }

  private object(type: ts.Type, seen: Set<ts.Type>, depth: number): TypeDescriptor {
    const properties: Record<string, { type: TypeDescriptor; optional: boolean }> = {};
    const all = this.checker.getPropertiesOfType(type);
    for (const property of all) {
      const name = property.getName();
      if (name.startsWith('__@') || name.startsWith('#')) continue; // symbol-keyed and private names
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
      const described = this.inner(this.checker.getTypeOfSymbol(property), seen, depth + 1);
      properties[name] = { type: optional ? withoutUndefined(described) : described, optional };
    }
    const index = this.checker.getIndexInfoOfType(type, ts.IndexKind.String);
    // `{}` and empty interfaces accept any non-nullish value: nothing to check.
    if (all.length === 0 && !index && this.checker.getIndexInfoOfType(type, ts.IndexKind.Number) === undefined) return this.opaque(type);
    return index ? { kind: 'object', properties, index: this.inner(index.type, seen, depth + 1) } : { kind: 'object', properties };
  }
}

/** An interface or class of TypeScript's lib files or of Node's types (not a mapped type like Record). */
function isLibInterface(symbol: ts.Symbol): boolean {
  if (!(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class))) return false;
  return (symbol.declarations ?? []).some((d) => {
    const file = d.getSourceFile().fileName;
    return /[\\/]typescript[\\/]lib[\\/]lib\.[^\\/]*\.d\.ts$/.test(file) || /[\\/]@types[\\/]node[\\/]/.test(file);
  });
}
