import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import type { ExtractionProblem, ManifestOptions, ModuleManifest, ParamManifest } from '../../../runtime/src/model/moduleManifest';
import type { TypeDescriptor } from '../../../runtime/src/model/typeDescriptor';
import { isPipewrightFile, pipewrightCallee, pipewrightExport, unwrap } from './definitions';
import { cachingHost, compilerOptionsFor } from './manifestProgram';
import { NameResolver } from './nameResolver';
import { writtenParameterType, writtenReturnType } from './plainTypes';
import { containsNever, Describer, withoutUndefined } from './typeDescriptors';
import { forEachDescendant } from './walk';

/**
 * The module manifest of a pipeline file and its imports (`model/moduleManifest.ts`), the query
 * the runtime asks before a run: every `step(...)` and `pipeline(...)` call that resolves to
 * pipewright's exports in the program rooted at `entryFile`, with names, annotations and type
 * descriptors.
 *
 * Definitions are found as the rest of the engine finds them: callees resolved to pipewright's
 * exports by the name resolver (`pipewrightCallee`; here also through constants, `const s = step`
 * and `const { step } = pw`), annotations by the written-type rule of `plainTypes.ts`. The typed
 * program answers only the type questions: descriptors, inferred types, constant names and
 * outputs not written as literals.
 *
 * Only the step and pipeline functions are queried, never a whole-program type check. Parsed
 * files are kept between calls (`manifestProgram.ts`), so a repeated extraction in one process
 * costs a fraction of the first. Broken code only means less is found: nothing here throws for
 * the user's code.
 */
export function extractModuleManifest(entryFile: string, options: ManifestOptions = {}): ModuleManifest {
  const entry = path.resolve(entryFile);
  const manifest: ModuleManifest = { steps: {}, pipelines: {}, problems: [] };
  const atStart = (message: string): ExtractionProblem => ({ file: entry, line: 1, column: 1, message });
  let program: ts.Program;
  let host: ts.CompilerHost;
  try {
    const { compilerOptions, extraRoots } = compilerOptionsFor(entry, options.tsconfigPath);
    host = cachingHost(compilerOptions);
    program = ts.createProgram({ rootNames: [entry, ...extraRoots], options: compilerOptions, host });
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
    extractor = new Extractor(program.getTypeChecker(), programResolver(program, host), manifest);
  } catch (error) {
    manifest.problems.push(atStart(`TypeScript could not check the program: ${(error as Error).message}`));
    return manifest;
  }
  for (const sourceFile of program.getSourceFiles()) {
    if (sourceFile.isDeclarationFile || /[\\/]node_modules[\\/]/.test(sourceFile.fileName) || isPipewrightFile(sourceFile.fileName)) continue;
    if (program.isSourceFileDefaultLibrary(sourceFile) || sourceFile.fileName.endsWith('.json')) continue;
    extractor.visitFile(sourceFile);
  }
  return manifest;
}

/** The engine's name resolver over a program's files, imports resolved as the program resolved them. */
function programResolver(program: ts.Program, host: ts.CompilerHost): NameResolver {
  const options = program.getCompilerOptions();
  const cache = ts.createModuleResolutionCache(host.getCurrentDirectory(), (file) => host.getCanonicalFileName(file), options);
  return new NameResolver((from, specifier) => {
    const mode = ts.getModeForUsageLocation(from, specifier, options);
    const resolved = ts.resolveModuleName(specifier.text, from.fileName, options, host, cache, undefined, mode).resolvedModule;
    return resolved ? program.getSourceFile(resolved.resolvedFileName) : undefined;
  });
}

type FunctionLike = ts.FunctionExpression | ts.ArrowFunction | ts.FunctionDeclaration;
type Kind = 'step' | 'pipeline';

/** Where a name came from: known, or why it cannot be known before running. */
type NameResult = { name: string } | { problem: string } | undefined;

/** Constants re-binding constants (`const a = b`) followed at most this deep. */
const MAX_REBINDING_DEPTH = 8;

class Extractor {
  private readonly describer: Describer;
  /** The function each recorded name belongs to (two functions under one name is a conflict). */
  private readonly owners = new Map<string, FunctionLike>();

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly resolver: NameResolver,
    private readonly manifest: ModuleManifest,
  ) {
    this.describer = new Describer(checker);
  }

  visitFile(sourceFile: ts.SourceFile): void {
    forEachDescendant(sourceFile, (node) => {
      if (!ts.isCallExpression(node)) return;
      let kind: Kind | undefined;
      try {
        kind = this.kindOf(node.expression, 0);
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
    });
  }

  /**
   * `step` or `pipeline` when the callee resolves to that export of pipewright: directly (imports,
   * aliases, namespaces, re-exports), or through a constant of the user's code that re-binds it
   * (`const s = step`, `const { step } = pw`).
   */
  private kindOf(callee: ts.Expression, depth: number): Kind | undefined {
    const expression = unwrap(callee);
    if (!ts.isIdentifier(expression) && !ts.isPropertyAccessExpression(expression)) return undefined;
    const direct = pipewrightCallee(this.resolver, expression);
    if (direct || depth >= MAX_REBINDING_DEPTH) return direct;
    const declaration = this.resolver.valueDeclaration(expression);
    if (!declaration || isPipewrightFile(declaration.getSourceFile().fileName)) return undefined;
    if (ts.isVariableDeclaration(declaration) && isConst(declaration) && declaration.initializer) return this.kindOf(declaration.initializer, depth + 1);
    if (ts.isBindingElement(declaration) && ts.isObjectBindingPattern(declaration.parent) && !declaration.dotDotDotToken) {
      const variable = declaration.parent.parent;
      const key = declaration.propertyName ?? declaration.name;
      if (!ts.isVariableDeclaration(variable) || !isConst(variable) || !variable.initializer || !(ts.isIdentifier(key) || ts.isStringLiteralLike(key))) return undefined;
      const source = unwrap(variable.initializer);
      if (!ts.isIdentifier(source) && !ts.isPropertyAccessExpression(source)) return undefined;
      const base = this.resolver.resolve(source, 'value');
      return base ? pipewrightExport(this.resolver.resolveMember(base, key.text, 'value')) : undefined;
    }
    return undefined;
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
    this.manifest.steps[name] = {
      name,
      ...location,
      params,
      returnAnnotated: writtenReturnType(fn) !== undefined,
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
    const node = unwrap(argument);
    if (ts.isFunctionExpression(node) || ts.isArrowFunction(node)) {
      return { fn: node, name: ts.isFunctionExpression(node) ? node.name?.text : undefined };
    }
    if (!ts.isIdentifier(node)) return undefined;
    const resolved = this.resolver.resolve(node, 'value');
    const declarations = resolved?.kind === 'declarations' ? resolved.declarations : [];
    const withBody = declarations.find((d): d is ts.FunctionDeclaration => ts.isFunctionDeclaration(d) && d.body !== undefined);
    const declaration = withBody ?? declarations[0];
    if (!declaration) return undefined;
    if (ts.isFunctionDeclaration(declaration)) return { fn: declaration, name: declaration.name?.text ?? (hasDefaultModifier(declaration) ? 'default' : undefined) };
    if (ts.isVariableDeclaration(declaration) && declaration.initializer && ts.isIdentifier(declaration.name)) {
      const initializer = unwrap(declaration.initializer);
      // `const load = async (path: string) => ...` is named "load" by the language.
      if (ts.isFunctionExpression(initializer)) return { fn: initializer, name: initializer.name?.text ?? declaration.name.text };
      if (ts.isArrowFunction(initializer)) return { fn: initializer, name: declaration.name.text };
    }
    return undefined;
  }

  /** The object literal behind an options argument (inline, or a `const` initialised with one). */
  private optionsLiteral(options: ts.Expression): ts.ObjectLiteralExpression | undefined {
    const node = unwrap(options);
    if (ts.isObjectLiteralExpression(node)) return node;
    if (!ts.isIdentifier(node)) return undefined;
    const declaration = this.resolver.valueDeclaration(node);
    if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer && ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) {
      const initializer = unwrap(declaration.initializer);
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
    const node = unwrap(expression);
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
      const node = unwrap(expression);
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
    const annotation = writtenParameterType(param);
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

function isConst(declaration: ts.VariableDeclaration): boolean {
  return (ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) !== 0;
}

function hasDefaultModifier(node: ts.FunctionDeclaration): boolean {
  return (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Default) !== 0;
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name) ? name.text : undefined;
}
