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

const DEFAULT_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  allowJs: true,
  esModuleInterop: true,
  skipLibCheck: true,
};

/**
 * Finds every `step(...)` and `pipeline(...)` call that resolves to pipewright's exports in the
 * program rooted at `entryFile`, and records names, annotations and type descriptors. Only the
 * step and pipeline functions are queried, never a whole-program type check, and broken code
 * only means less is found.
 */
export function extractModuleManifest(entryFile: string, options: { tsconfigPath?: string } = {}): ModuleManifest {
  const entry = path.resolve(entryFile);
  const program = ts.createProgram({ rootNames: [entry], options: compilerOptionsFor(entry, options.tsconfigPath) });
  const checker = program.getTypeChecker();
  const manifest: ModuleManifest = { steps: {}, pipelines: {}, problems: [] };
  const extractor = new Extractor(checker, manifest);
  for (const sourceFile of program.getSourceFiles()) {
    if (sourceFile.isDeclarationFile || sourceFile.fileName.includes('/node_modules/') || isInPipewrightPackage(sourceFile.fileName)) continue;
    extractor.visitFile(sourceFile);
  }
  return manifest;
}

function compilerOptionsFor(entry: string, explicit: string | undefined): ts.CompilerOptions {
  const configPath = explicit ?? ts.findConfigFile(path.dirname(entry), (file) => ts.sys.fileExists(file));
  let options: ts.CompilerOptions = { ...DEFAULT_OPTIONS };
  if (configPath) {
    const read = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
    if (!read.error) {
      const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configPath), undefined, configPath);
      options = { ...parsed.options };
    }
  }
  // Only types are queried: no emit, no project-build bookkeeping, no library checks.
  return { ...options, noEmit: true, composite: false, declaration: false, emitDeclarationOnly: false, incremental: false, skipLibCheck: true, allowJs: true };
}

const pipewrightDirs = new Map<string, boolean>();

/** Whether a file belongs to the package named `pipewright` (walks up to the nearest package.json). */
function isInPipewrightPackage(file: string): boolean {
  const visited: string[] = [];
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const known = pipewrightDirs.get(dir);
    if (known !== undefined) return remember(visited, known);
    visited.push(dir);
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      let name: unknown;
      try {
        name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
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

type FunctionLike = ts.FunctionExpression | ts.ArrowFunction | ts.FunctionDeclaration;

class Extractor {
  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly manifest: ModuleManifest,
  ) {}

  visitFile(sourceFile: ts.SourceFile): void {
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const kind = this.pipewrightCallee(node.expression);
        if (kind) this.record(kind, node, sourceFile);
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }

  /** `step` or `pipeline` when the callee resolves to that export of pipewright. */
  private pipewrightCallee(callee: ts.Expression): 'step' | 'pipeline' | undefined {
    const name = ts.isIdentifier(callee) ? callee : ts.isPropertyAccessExpression(callee) ? callee.name : undefined;
    if (!name) return undefined;
    let symbol = this.checker.getSymbolAtLocation(name);
    if (!symbol) return undefined;
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const exported = symbol.getName();
    if (exported !== 'step' && exported !== 'pipeline') return undefined;
    const declaration = symbol.declarations?.[0];
    return declaration && isInPipewrightPackage(declaration.getSourceFile().fileName) ? exported : undefined;
  }

  private record(kind: 'step' | 'pipeline', call: ts.CallExpression, sourceFile: ts.SourceFile): void {
    const args = call.arguments;
    const options = args.length >= 2 && ts.isObjectLiteralExpression(args[0]) ? args[0] : undefined;
    const fn = this.functionOf(args[args.length - 1]);
    const where = sourceFile.getLineAndCharacterOfPosition(call.getStart(sourceFile));
    const location = { file: sourceFile.fileName, line: where.line + 1, column: where.character + 1 };
    if (!fn) {
      this.manifest.problems.push({ ...location, message: `${kind}(): the last argument is not a function the analysis can follow` });
      return;
    }
    const nameOption = options ? stringProperty(options, 'name') : undefined;
    const name = nameOption ?? fn.name?.getText(sourceFile);
    if (!name) {
      this.manifest.problems.push({ ...location, message: `a ${kind} needs a name: pass a named function or the name option` });
      return;
    }
    const params = fn.parameters.map((param, index) => this.param(param, index, sourceFile));
    if (kind === 'pipeline') {
      this.manifest.pipelines[name] = { name, ...location, params };
      return;
    }
    const signature = this.checker.getSignatureFromDeclaration(fn);
    const rawReturn = signature ? this.checker.getReturnTypeOfSignature(signature) : undefined;
    const returned = rawReturn ? unwrapPromise(this.checker, rawReturn) : undefined;
    const declaredOutputs = options ? stringArrayProperty(options, 'outputs') : undefined;
    const returnType = returned ? describe(this.checker, returned) : ({ kind: 'unknown' } as const);
    const outputTypes: Record<string, TypeDescriptor> = {};
    if (declaredOutputs && declaredOutputs.length > 0 && returned) {
      for (const output of declaredOutputs) {
        const property = this.checker.getPropertyOfType(returned, output);
        outputTypes[output] = property ? describe(this.checker, this.checker.getTypeOfSymbolAtLocation(property, fn)) : { kind: 'unknown' };
      }
    } else {
      outputTypes.output = returnType;
    }
    this.manifest.steps[name] = {
      name,
      ...location,
      params,
      returnAnnotated: fn.type !== undefined,
      returnTypeText: returned ? this.checker.typeToString(returned) : 'unknown',
      returnType,
      ...(declaredOutputs ? { declaredOutputs } : {}),
      outputTypes,
    };
  }

  private functionOf(node: ts.Expression | undefined): FunctionLike | undefined {
    if (!node) return undefined;
    if (ts.isFunctionExpression(node) || ts.isArrowFunction(node)) return node;
    if (ts.isParenthesizedExpression(node)) return this.functionOf(node.expression);
    if (ts.isIdentifier(node)) {
      const declaration = this.checker.getSymbolAtLocation(node)?.valueDeclaration;
      if (declaration && ts.isFunctionDeclaration(declaration)) return declaration;
    }
    return undefined;
  }

  private param(param: ts.ParameterDeclaration, index: number, sourceFile: ts.SourceFile): ParamManifest {
    // step()/pipeline() type their function's parameters as any[], so an unannotated parameter
    // with a default is contextually any; its default value says more (`lr = 0.1` is a number).
    const type =
      !param.type && param.initializer
        ? this.checker.getBaseTypeOfLiteralType(this.checker.getTypeAtLocation(param.initializer))
        : this.checker.getTypeAtLocation(param);
    return {
      name: ts.isIdentifier(param.name) ? param.name.text : `arg${index}`,
      annotated: param.type !== undefined,
      typeText: param.type ? param.type.getText(sourceFile) : this.checker.typeToString(type),
      type: describe(this.checker, type),
      optional: param.questionToken !== undefined || param.initializer !== undefined,
      isAny: (type.flags & ts.TypeFlags.Any) !== 0,
    };
  }
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

function stringProperty(object: ts.ObjectLiteralExpression, key: string): string | undefined {
  for (const property of object.properties) {
    if (ts.isPropertyAssignment(property) && propertyName(property.name) === key && ts.isStringLiteralLike(property.initializer)) return property.initializer.text;
  }
  return undefined;
}

function stringArrayProperty(object: ts.ObjectLiteralExpression, key: string): string[] | undefined {
  for (const property of object.properties) {
    if (!ts.isPropertyAssignment(property) || propertyName(property.name) !== key) continue;
    let value = property.initializer;
    while (ts.isAsExpression(value) || ts.isParenthesizedExpression(value) || ts.isSatisfiesExpression(value)) value = value.expression;
    if (ts.isArrayLiteralExpression(value) && value.elements.every(ts.isStringLiteralLike)) return value.elements.map((e) => (e as ts.StringLiteralLike).text);
  }
  return undefined;
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteralLike(name) ? name.text : undefined;
}

function unwrapPromise(checker: ts.TypeChecker, type: ts.Type): ts.Type {
  return checker.getAwaitedType(type) ?? type;
}

const TYPED_ARRAYS = new Set([
  'Int8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
]);

/** A JSON descriptor of a checker type; undecidable parts become `opaque` (always accepted). */
export function describe(checker: ts.TypeChecker, type: ts.Type, seen: Set<ts.Type> = new Set(), depth = 0): TypeDescriptor {
  const opaque = (): TypeDescriptor => ({ kind: 'opaque', text: checker.typeToString(type) });
  if (depth > 8 || seen.has(type)) return opaque();
  const f = type.flags;
  if (f & ts.TypeFlags.Any) return { kind: 'any' };
  if (f & ts.TypeFlags.Unknown) return { kind: 'unknown' };
  if (f & ts.TypeFlags.Never) return { kind: 'never' };
  if (f & ts.TypeFlags.StringLiteral) return { kind: 'literal', value: (type as ts.StringLiteralType).value };
  if (f & ts.TypeFlags.NumberLiteral) return { kind: 'literal', value: (type as ts.NumberLiteralType).value };
  if (f & ts.TypeFlags.BooleanLiteral) return { kind: 'literal', value: (type as unknown as { intrinsicName: string }).intrinsicName === 'true' };
  if (f & ts.TypeFlags.Boolean) return { kind: 'boolean' };
  if (f & ts.TypeFlags.String) return { kind: 'string' };
  if (f & ts.TypeFlags.Number) return { kind: 'number' };
  if (f & (ts.TypeFlags.BigInt | ts.TypeFlags.BigIntLiteral)) return { kind: 'bigint' };
  if (f & ts.TypeFlags.Null) return { kind: 'null' };
  if (f & ts.TypeFlags.Undefined) return { kind: 'undefined' };
  if (f & ts.TypeFlags.Void) return { kind: 'void' };
  if (f & (ts.TypeFlags.TypeParameter | ts.TypeFlags.Intersection | ts.TypeFlags.Conditional | ts.TypeFlags.Index | ts.TypeFlags.IndexedAccess | ts.TypeFlags.ESSymbolLike | ts.TypeFlags.TemplateLiteral)) return opaque();
  seen.add(type);
  try {
    if (type.isUnion()) {
      const members = type.types.map((member) => describe(checker, member, seen, depth + 1));
      const trues = members.filter((m) => m.kind === 'literal' && m.value === true).length;
      const falses = members.filter((m) => m.kind === 'literal' && m.value === false).length;
      const merged = trues > 0 && falses > 0 ? [...members.filter((m) => !(m.kind === 'literal' && typeof m.value === 'boolean')), { kind: 'boolean' } as TypeDescriptor] : members;
      return merged.some((m) => m.kind === 'opaque' || m.kind === 'any' || m.kind === 'unknown') ? opaque() : { kind: 'union', types: merged };
    }
    if (checker.isArrayType(type)) {
      const element = checker.getTypeArguments(type as ts.TypeReference)[0];
      return { kind: 'array', element: element ? describe(checker, element, seen, depth + 1) : { kind: 'unknown' } };
    }
    if (checker.isTupleType(type)) {
      return { kind: 'tuple', elements: checker.getTypeArguments(type as ts.TypeReference).map((t) => describe(checker, t, seen, depth + 1)) };
    }
    const symbolName = type.getSymbol()?.getName();
    if (symbolName === 'Date') return { kind: 'date' };
    if (symbolName === 'Uint8Array' || symbolName === 'Buffer') return { kind: 'bytes' };
    if (symbolName && TYPED_ARRAYS.has(symbolName)) return { kind: 'typedArray', name: symbolName };
    const typeArgs = (type as ts.TypeReference).target ? checker.getTypeArguments(type as ts.TypeReference) : [];
    if ((symbolName === 'Map' || symbolName === 'ReadonlyMap') && typeArgs.length === 2) {
      return { kind: 'map', key: describe(checker, typeArgs[0], seen, depth + 1), value: describe(checker, typeArgs[1], seen, depth + 1) };
    }
    if ((symbolName === 'Set' || symbolName === 'ReadonlySet') && typeArgs.length === 1) return { kind: 'set', element: describe(checker, typeArgs[0], seen, depth + 1) };
    if (f & ts.TypeFlags.Object) {
      const symbol = type.getSymbol();
      if (symbol && symbol.flags & ts.SymbolFlags.Class) return { kind: 'class', name: symbol.getName() };
      if (type.getCallSignatures().length > 0 && type.getProperties().length === 0) return { kind: 'function' };
      if (symbol && (symbol.flags & ts.SymbolFlags.Interface) && isLibDeclaration(symbol)) return opaque();
      const properties: Record<string, { type: TypeDescriptor; optional: boolean }> = {};
      for (const property of type.getProperties()) {
        const declaration = property.valueDeclaration ?? property.declarations?.[0];
        const propertyType = declaration ? checker.getTypeOfSymbolAtLocation(property, declaration) : checker.getDeclaredTypeOfSymbol(property);
        properties[property.getName()] = { type: describe(checker, propertyType, seen, depth + 1), optional: (property.flags & ts.SymbolFlags.Optional) !== 0 };
      }
      const index = checker.getIndexInfoOfType(type, ts.IndexKind.String);
      return index ? { kind: 'object', properties, index: describe(checker, index.type, seen, depth + 1) } : { kind: 'object', properties };
    }
    return opaque();
  } finally {
    seen.delete(type);
  }
}

function isLibDeclaration(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some((d) => {
    const file = d.getSourceFile().fileName;
    return /\/typescript\/lib\/lib\..*\.d\.ts$/.test(file) || file.includes('/@types/node/');
  });
}
