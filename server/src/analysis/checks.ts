import ts from 'typescript';
import { BUILTIN_PLACEHOLDERS } from '../../../runtime/src/model/runName';
import { pipelineDataOptionsSchema, stepDataOptionsSchema } from '../../../runtime/src/model/runOptions';
import { nearestOption, PIPELINE_OPTION_KEYS, STEP_OPTION_KEYS, unknownOptionProblem } from '../../../runtime/src/model/unknownOptions';
import { property, rangeOf, stringArray, type Definition } from './definitions';
import { declareDiagnostics, finding, type Severity } from './diagnosticDeclarations';
import { isJavaScriptFile } from './imports';
import { literalOptionProblems } from './literalOptions';
import type { AnalysisDiagnostic } from './model';
import { awaitedReturnNode, plainProperty, plainType, writtenParameterType, writtenReturnType, type Checkers } from './plainTypes';
import { forEachDescendant, someNode } from './walk';

export const DEFINITION_DIAGNOSTICS = declareDiagnostics({
  // Warnings, errors under enforceTypeAnnotations (as the run would be refused).
  'missing-parameter-type': { severity: 'warning' },
  'missing-return-type': { severity: 'warning' },
  'parameter-any': { severity: 'warning' },
  'unnamed-step': { severity: 'error' },
  'invalid-retry': { severity: 'error' },
  'invalid-heartbeat': { severity: 'error' },
  'invalid-cache-option': { severity: 'error' },
  'invalid-option': { severity: 'error' },
  'invalid-hook': { severity: 'error' },
  'unknown-run-name-placeholder': { severity: 'error' },
  'tuple-without-outputs': { severity: 'information' },
  'declared-output-missing': { severity: 'error' },
  // A warning; an async body is an error (the run refuses it).
  'body-not-in-dag': { severity: 'warning' },
});

type DefinitionCode = keyof typeof DEFINITION_DIAGNOSTICS;

/** The code of a literal option value its schema refuses: these options have their own, any other `invalid-option`. */
const OPTION_CODES: Readonly<Record<string, DefinitionCode>> = { retry: 'invalid-retry', heartbeat: 'invalid-heartbeat', cacheExpiresAfter: 'invalid-cache-option' };

/** Reports findings of this module's codes about nodes of `file` into `out`. */
function reporter(out: AnalysisDiagnostic[], file: string) {
  return (node: ts.Node, code: DefinitionCode, message: string, severity?: Severity) => out.push(finding(DEFINITION_DIAGNOSTICS, code, { file, range: rangeOf(node) }, message, severity));
}

/**
 * Diagnostics of one step or pipeline definition: annotations (as `enforceTypeAnnotations` would
 * refuse the run, an error then, a warning otherwise), `any`, retry and heartbeat values, run-name
 * placeholders, and names the runtime could not give.
 */
export function checkDefinition(definition: Definition, enforce: boolean, checkers: Checkers): AnalysisDiagnostic[] {
  const out: AnalysisDiagnostic[] = [];
  const report = reporter(out, definition.call.getSourceFile().fileName);
  const annotationSeverity = enforce ? 'error' : undefined;
  if (!definition.name) {
    report(definition.call, 'unnamed-step', `a ${definition.kind} needs a name: pass a named function or the name option`);
  }
  if (definition.kind === 'step' && definition.fn) {
    const fn = definition.fn;
    // In JavaScript, types are written as JSDoc, and so are the fixes: never TypeScript syntax there.
    const javaScript = isJavaScriptFile(fn.getSourceFile());
    fn.parameters.forEach((param, index) => {
      const label = ts.isIdentifier(param.name) ? param.name.text : `#${index + 1}`;
      const written = writtenParameterType(param);
      if (!written) {
        report(param, 'missing-parameter-type', `parameter '${label}' of step "${definition.name ?? '?'}" has no ${javaScript ? 'JSDoc type (@param {T})' : 'type annotation'}`, annotationSeverity);
        if (param.initializer) {
          // Only the default value says what the parameter is (step() types parameters as any).
          const checker = checkers.types();
          const type = checker.typeToString(checker.getBaseTypeOfLiteralType(checker.getTypeAtLocation(param.initializer)));
          const edit = javaScript ? jsDocTagEdit(fn, `@param {${type}} ${label}`) : { range: pointAt(param.name.getEnd(), param.getSourceFile()), newText: `: ${type}` };
          if (!javaScript || ts.isIdentifier(param.name)) out[out.length - 1].fix = { title: `Annotate '${label}' as ${type}`, edits: [edit] };
        }
      } else if (written.kind === ts.SyntaxKind.AnyKeyword || written.kind === ts.SyntaxKind.JSDocAllType) {
        report(written, 'parameter-any', `parameter '${label}' of step "${definition.name ?? '?'}" is typed any, so values reaching it cannot be checked`, annotationSeverity);
      }
    });
    if (!writtenReturnType(fn)) {
      const at = ts.isFunctionExpression(fn) && fn.name ? fn.name : fn;
      report(at, 'missing-return-type', `step "${definition.name ?? '?'}" has no ${javaScript ? 'JSDoc return type (@returns {T})' : 'return type annotation'}`, annotationSeverity);
      const checker = checkers.types();
      const signature = checker.getSignatureFromDeclaration(fn);
      const close = fn.getChildren().find((child) => child.kind === ts.SyntaxKind.CloseParenToken);
      if (signature && close) {
        const type = checker.typeToString(checker.getReturnTypeOfSignature(signature), fn, ts.TypeFormatFlags.NoTruncation);
        const edit = javaScript ? jsDocTagEdit(fn, `@returns {${type}}`) : { range: pointAt(close.getEnd(), fn.getSourceFile()), newText: `: ${type}` };
        out[out.length - 1].fix = { title: `Annotate the return type as ${type}`, edits: [edit] };
      }
    }
  }
  if (definition.kind === 'step' && definition.fn) {
    const declared = stringArray(definition.options ? property(definition.options, 'outputs') : undefined);
    // A plainly written return type is no tuple, and a written object type shows its properties:
    // the type checker is asked only when the code leaves the answer open.
    const written = awaitedReturnNode(definition.fn, checkers.names);
    const settled = declared && declared.length > 0 ? declared.every((name) => plainProperty(written, name)) : plainType(written, checkers.names) !== undefined;
    if (!settled) out.push(...checkReturnedType(definition, declared, checkers.types()));
  }
  const options = definition.options;
  if (options) {
    // Every literal value by the schema the runtime checks the options with.
    for (const problem of literalOptionProblems(definition.kind === 'step' ? stepDataOptionsSchema : pipelineDataOptionsSchema, options)) {
      report(problem.node, OPTION_CODES[problem.option] ?? 'invalid-option', problem.message);
    }
    unknownOptionKeys(definition, options, report, out);
    for (const [hook, most, shape] of [
      ['onSuccess', 1, '(context) => void'],
      ['onFailure', 2, '(error, context) => void'],
    ] as const) {
      const value = property(options, hook);
      if (!value) continue;
      const problem = hookProblem(value, most, checkers);
      if (problem === 'not-callable') report(value, 'invalid-hook', `${hook} must be a function ${shape}`);
      if (problem === 'too-many-parameters') report(value, 'invalid-hook', `${hook} is called with ${most === 1 ? 'one argument' : 'two arguments'} but requires more: ${shape}`);
    }
    const cacheKey = property(options, 'cacheKey');
    if (cacheKey) {
      const problem = hookProblem(cacheKey, 2, checkers);
      if (problem === 'not-callable') report(cacheKey, 'invalid-cache-option', 'cacheKey must be a function (inputs, context) => string');
      if (problem === 'too-many-parameters') report(cacheKey, 'invalid-cache-option', 'cacheKey is called with two arguments (inputs, context) but requires more');
    }
    const heartbeat = property(options, 'heartbeat');
    if (heartbeat && ts.isObjectLiteralExpression(heartbeat)) {
      // What the schema cannot say: a timeout shorter than the interval loses every attempt.
      const seconds = (node: ts.Expression | undefined) => (node && ts.isNumericLiteral(node) ? Number(node.text) : undefined);
      const timeout = property(heartbeat, 'timeout');
      const i = seconds(property(heartbeat, 'interval'));
      const t = seconds(timeout);
      if (timeout && i !== undefined && t !== undefined && i > 0 && t > 0 && t < i) report(timeout, 'invalid-heartbeat', `heartbeat.timeout (${t} s) is shorter than the interval (${i} s): every attempt would be lost`);
    }
    const runName = property(options, 'runName');
    if (runName && ts.isStringLiteralLike(runName)) {
      const substitutions = property(options, 'substitutions');
      const known = new Set<string>(BUILTIN_PLACEHOLDERS);
      if (substitutions && ts.isObjectLiteralExpression(substitutions)) {
        for (const member of substitutions.properties) if (member.name && (ts.isIdentifier(member.name) || ts.isStringLiteralLike(member.name))) known.add(member.name.text);
      }
      for (const match of runName.text.matchAll(/\{([^{}]*)\}/g)) {
        if (!known.has(match[1])) report(runName, 'unknown-run-name-placeholder', `run name template uses unknown placeholder {${match[1]}} (known: ${[...known].map((k) => `{${k}}`).join(', ')})`);
      }
    }
  }
  return out;
}

/** Tuples returned without declared outputs, and declared outputs the return type lacks, by the type checker. */
function checkReturnedType(definition: Definition, declared: string[] | undefined, checker: ts.TypeChecker): AnalysisDiagnostic[] {
  const out: AnalysisDiagnostic[] = [];
  const fn = definition.fn;
  if (!fn) return out;
  const report = reporter(out, definition.call.getSourceFile().fileName);
  const signature = checker.getSignatureFromDeclaration(fn);
  const raw = signature ? checker.getReturnTypeOfSignature(signature) : undefined;
  const returned = raw ? (checker.getAwaitedType(raw) ?? raw) : undefined;
  const at = ts.isFunctionExpression(fn) && fn.name ? fn.name : fn;
  if (returned && (!declared || declared.length === 0) && checker.isTupleType(returned)) {
    report(at, 'tuple-without-outputs', `step "${definition.name ?? '?'}" returns a tuple but declares no outputs: it will be one output; declare outputs and return an object to have several`);
    const fix = declareOutputsFix(definition);
    if (fix) out[out.length - 1].fix = fix;
  }
  if (returned && declared && !(returned.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) {
    const outputsNode = definition.options ? property(definition.options, 'outputs') : undefined;
    for (const name of declared) {
      if (!checker.getPropertyOfType(returned, name)) {
        report(outputsNode ?? at, 'declared-output-missing', `step "${definition.name ?? '?'}" declares output "${name}" but its return type ${checker.typeToString(returned)} has no such property`);
      }
    }
  }
  return out;
}

/**
 * What is wrong with a hook, judged by its type (so a function declared elsewhere, or made by a
 * call like `webhookAlert(...)`, is checked too): not callable at all, or every signature requires
 * more parameters than the runtime passes.
 */
function hookProblem(value: ts.Expression, passed: number, checkers: Checkers): 'not-callable' | 'too-many-parameters' | undefined {
  if (ts.isArrowFunction(value) || ts.isFunctionExpression(value) || ts.isMethodDeclaration(value)) {
    // A function written in place: its one signature is right there.
    const required = value.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this') && !p.initializer && !p.questionToken && !p.dotDotDotToken).length;
    return required > passed ? 'too-many-parameters' : undefined;
  }
  const checker = checkers.types();
  const node = ts.isMethodDeclaration(value) ? value.name : value;
  const type = checker.getTypeAtLocation(node);
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never)) return undefined;
  const signatures = ts.isMethodDeclaration(value) ? [checker.getSignatureFromDeclaration(value)].filter((s) => s !== undefined) : type.getCallSignatures();
  if (signatures.length === 0) return type.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null) ? undefined : 'not-callable';
  const required = (signature: ts.Signature) =>
    signature.getParameters().filter((parameter) => {
      const declaration = parameter.valueDeclaration;
      return declaration && ts.isParameter(declaration) && !declaration.initializer && !declaration.questionToken && !declaration.dotDotDotToken;
    }).length;
  return signatures.every((signature) => required(signature) > passed) ? 'too-many-parameters' : undefined;
}

/**
 * Adds a JSDoc tag to a JavaScript function: into the JSDoc comment it already has (the compiler
 * reads only the last one), else as a new comment just before it.
 */
function jsDocTagEdit(fn: ts.FunctionExpression | ts.ArrowFunction, tag: string): { range: AnalysisDiagnostic['range']; newText: string } {
  const sourceFile = fn.getSourceFile();
  const start = fn.getStart(sourceFile);
  const existing = ts.getJSDocCommentsAndTags(fn).filter((doc): doc is ts.JSDoc => ts.isJSDoc(doc) && doc.end <= start).pop();
  if (existing && sourceFile.text.slice(existing.end - 2, existing.end) === '*/') return { range: pointAt(existing.end - 2, sourceFile), newText: `${tag} ` };
  return { range: pointAt(start, sourceFile), newText: `/** ${tag} */ ` };
}

function pointAt(position: number, sourceFile: ts.SourceFile): AnalysisDiagnostic['range'] {
  const at = sourceFile.getLineAndCharacterOfPosition(position);
  return { start: { line: at.line, character: at.character }, end: { line: at.line, character: at.character } };
}

const IO_NAMES = new Set(['fetch', 'readFileSync', 'writeFileSync', 'readFile', 'writeFile', 'appendFileSync', 'execSync', 'spawnSync']);

/**
 * Work in a pipeline body that will not be in the DAG: the body runs once, when the run is built,
 * so awaits and I/O there happen at build time, and a branch on a step's output tests a handle,
 * not a value.
 */
export function checkPipelineBody(definition: Definition, handleNames: (node: ts.Identifier) => boolean): AnalysisDiagnostic[] {
  const out: AnalysisDiagnostic[] = [];
  const fn = definition.fn;
  if (!fn || definition.kind !== 'pipeline') return out;
  const report = reporter(out, fn.getSourceFile().fileName);
  const warn = (node: ts.Node, message: string, severity?: Severity) => report(node, 'body-not-in-dag', message, severity);
  if (fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) warn(fn, `pipeline "${definition.name ?? '?'}": the body must be synchronous (it only wires steps; the run refuses an async body)`, 'error');
  forEachDescendant(fn, (node) => {
    if (ts.isFunctionLike(node)) return false;
    if (ts.isAwaitExpression(node)) warn(node, 'await in a pipeline body runs once while the DAG is built, not as a step; move the work into a step');
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
      const target = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) ? callee.expression.text : '';
      if (IO_NAMES.has(name) || target === 'fs') warn(node, `${target ? `${target}.` : ''}${name}() in a pipeline body runs while the DAG is built, not as a step; move the I/O into a step`);
    }
    if ((ts.isIfStatement(node) || ts.isConditionalExpression(node)) && mentionsHandle(ts.isIfStatement(node) ? node.expression : node.condition, handleNames)) {
      warn(ts.isIfStatement(node) ? node.expression : node.condition, "this branch tests a step's output, which is a handle while the DAG is built, not its value; branch inside a step instead");
    }
    return true;
  });
  return out;
}

function mentionsHandle(node: ts.Node, isHandle: (node: ts.Identifier) => boolean): boolean {
  return someNode(node, (n) => ts.isIdentifier(n) && isHandle(n));
}

/**
 * Declares one output per tuple element: adds `outputs` to the options, turns the tuple return
 * type into an object type and every `return [a, b]` into `return { output1: a, output2: b }`.
 * Offered only when every return statement returns an array literal of the tuple's length.
 */
function declareOutputsFix(definition: Definition): AnalysisDiagnostic['fix'] {
  const fn = definition.fn;
  if (!fn || !fn.type || !ts.isTupleTypeNode(fn.type) || !ts.isBlock(fn.body)) return undefined;
  const sourceFile = fn.getSourceFile();
  const elements = fn.type.elements;
  const names = elements.map((_, i) => `output${i + 1}`);
  const returns: ts.ReturnStatement[] = [];
  forEachDescendant(fn.body, (node) => {
    if (ts.isFunctionLike(node)) return false;
    if (ts.isReturnStatement(node)) returns.push(node);
    return true;
  });
  if (returns.length === 0 || !returns.every((r) => r.expression && ts.isArrayLiteralExpression(r.expression) && r.expression.elements.length === names.length)) return undefined;
  const edits: { range: AnalysisDiagnostic['range']; newText: string }[] = [];
  const outputsText = `outputs: [${names.map((n) => `'${n}'`).join(', ')}]`;
  if (definition.options) {
    edits.push({ range: pointAt(definition.options.getStart(sourceFile) + 1, sourceFile), newText: ` ${outputsText},` });
  } else {
    edits.push({ range: pointAt(fn.getStart(sourceFile), sourceFile), newText: `{ ${outputsText} }, ` });
  }
  edits.push({ range: rangeOf(fn.type, sourceFile), newText: `{ ${elements.map((e, i) => `${names[i]}: ${e.getText(sourceFile)}`).join('; ')} }` });
  for (const statement of returns) {
    const array = statement.expression as ts.ArrayLiteralExpression;
    edits.push({ range: rangeOf(array, sourceFile), newText: `{ ${array.elements.map((e, i) => `${names[i]}: ${e.getText(sourceFile)}`).join(', ')} }` });
  }
  return { title: `Declare outputs ${names.join(', ')} and return an object`, edits };
}

/** Keys of an options literal no one reads (a typo: `retries` for `retry`), which the run refuses too; the fix names the nearest option. */
function unknownOptionKeys(definition: Definition, options: ts.ObjectLiteralExpression, report: ReturnType<typeof reporter>, out: AnalysisDiagnostic[]): void {
  const known = definition.kind === 'step' ? STEP_OPTION_KEYS : PIPELINE_OPTION_KEYS;
  for (const member of options.properties) {
    if (!member.name || !(ts.isIdentifier(member.name) || ts.isStringLiteral(member.name))) continue;
    const key = member.name.text;
    if (known.includes(key)) continue;
    report(member.name, 'invalid-option', `${definition.kind} "${definition.name ?? '?'}": ${unknownOptionProblem({ [key]: true }, known)}`);
    const near = nearestOption(key, known);
    if (near) out[out.length - 1].fix = { title: `Change to '${near}'`, edits: [{ range: rangeOf(member.name), newText: ts.isShorthandPropertyAssignment(member) ? `${near}: ${key}` : near }] };
  }
}
