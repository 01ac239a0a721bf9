import ts from 'typescript';
import type { DagEdge, OutputRef } from '../../../runtime/src/model/dag';
import { resolveAfterTarget } from '../../../runtime/src/model/afterTargets';
import { cycleMessage, findCycle } from '../../../runtime/src/model/cycles';
import { claimAutomaticId, claimExplicitId, namespacePrefix } from '../../../runtime/src/model/invocationIds';
import { HOOK_NAMES, mergeInvocationOptions, retryWithDefaults } from '../../../runtime/src/model/optionMerge';
import { property, rangeOf, stringArray, type Definition } from './definitions';
import { declareDiagnostics, finding } from './diagnosticDeclarations';
import { literalLoopCount, pipelineOptions, readOptions } from './literals';
import type { AnalysisDiagnostic, NodeOptionsView, StaticNode, StaticPipeline } from './model';
import type { NameResolver } from './nameResolver';
import { awaitedReturnNode, plainProperty, plainType, samePlainType, writtenParameterType, type Checkers, type PlainType } from './plainTypes';
import { forEachDescendant } from './walk';
import { literalDefault } from './parameterDefaults';

/** What an expression in a pipeline body stands for, as far as the analysis can tell. */
type Value =
  | { kind: 'handle'; ref: OutputRef }
  | { kind: 'outputs'; refs: Record<string, OutputRef> }
  | { kind: 'array'; items: Value[] }
  /** A literal number (a loop bound, a parameter's default). */
  | { kind: 'number'; value: number }
  | { kind: 'unknown' };

const UNKNOWN: Value = { kind: 'unknown' };

/** Expressions nested deeper than this are walked for their calls only (see `expr`). */
const MAX_EXPRESSION_DEPTH = 200;

/** Resolves a callee in a body to the step or pipeline definition it names, if any. */
export type Resolver = (callee: ts.Expression) => Definition | undefined;

interface PendingAfter {
  node: StaticNode;
  target: string;
  namespace: string[];
  at: ts.Node;
}

export const STATIC_DAG_DIAGNOSTICS = declareDiagnostics({
  'duplicate-invocation-id': { severity: 'error' },
  'invalid-invocation-id': { severity: 'error' },
  'unknown-after-target': { severity: 'error' },
  'cycle': { severity: 'error' },
  'input-type-mismatch': { severity: 'error' },
});

/**
 * Builds the DAG the runtime would compile from a pipeline body, without running it: invocation
 * ids by the runtime's rule, data edges with output and input names, `after` edges, composed
 * pipelines inlined under a namespace, loops unrolled when their bound is a literal.
 */
export class StaticDagBuilder {
  private readonly nodes: StaticNode[] = [];
  private readonly edges: DagEdge[] = [];
  private readonly used = new Set<string>();
  private readonly pending: PendingAfter[] = [];
  private namespace: string[] = [];
  /** The pipelines enclosing the walk, innermost last (their options are defaults for steps). */
  private pipelines: Definition[] = [];
  private dynamic = 0;
  private depth = 0;
  /** How deeply nested the expression being evaluated is. */
  private exprDepth = 0;

  /** Definition behind each invocation id, to type-check the wiring. */
  private readonly definitions = new Map<string, Definition>();

  constructor(
    private readonly resolve: Resolver,
    private readonly diagnostics: AnalysisDiagnostic[],
    private readonly checkers?: Checkers,
  ) {}

  private file?: string;

  build(definition: Definition): StaticPipeline {
    const fn = definition.fn;
    const sourceFile = definition.call.getSourceFile();
    this.file = sourceFile.fileName;
    // Parameters with literal defaults (`scales = [1, 2, 3]`) unroll what they drive, as the runtime does with defaults.
    this.pipelines = [definition];
    const env = new Map<string, Value>();
    for (const param of fn?.parameters ?? []) if (param.initializer) this.bind(param.name, this.expr(param.initializer, env), env);
    if (fn) this.walkFunction(fn, env);
    this.resolvePending();
    return this.builtSoFar(definition);
  }

  /** The pipeline as far as it is built (all of it once `build` returned; what was found before the error if it threw). */
  builtSoFar(definition: Definition): StaticPipeline {
    const fn = definition.fn;
    const sourceFile = definition.call.getSourceFile();
    return {
      name: definition.name ?? '<unnamed>',
      file: sourceFile.fileName,
      range: rangeOf(definition.call, sourceFile),
      parameters: (fn?.parameters ?? []).map((p, i) => ({
        name: ts.isIdentifier(p.name) ? p.name.text : `arg${i}`,
        ...(writtenParameterType(p) ? { type: writtenParameterType(p)?.getText(sourceFile) } : {}),
        ...(p.initializer ? { default: p.initializer.getText(sourceFile), ...defaultValueOf(p.initializer, this.checkers?.names) } : {}),
      })),
      options: pipelineOptions(definition.options),
      nodes: this.nodes,
      edges: this.edges,
    };
  }

  private walkFunction(fn: ts.FunctionExpression | ts.ArrowFunction, env: Map<string, Value>): Value {
    if (this.depth > 20) return UNKNOWN;
    this.depth += 1;
    try {
      if (!ts.isBlock(fn.body)) return this.expr(fn.body, env);
      return this.block(fn.body.statements, env) ?? UNKNOWN;
    } finally {
      this.depth -= 1;
    }
  }

  /** Walks statements; returns the value of a `return` when one is reached. */
  private block(statements: readonly ts.Statement[], env: Map<string, Value>): Value | undefined {
    for (const statement of statements) {
      const returned = this.statement(statement, env);
      if (returned) return returned;
    }
    return undefined;
  }

  private statement(statement: ts.Statement, env: Map<string, Value>): Value | undefined {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) this.bind(declaration.name, declaration.initializer ? this.expr(declaration.initializer, env) : UNKNOWN, env);
      return undefined;
    }
    if (ts.isExpressionStatement(statement)) {
      this.expr(statement.expression, env);
      return undefined;
    }
    if (ts.isReturnStatement(statement)) return statement.expression ? this.expr(statement.expression, env) : UNKNOWN;
    if (ts.isBlock(statement)) return this.block(statement.statements, env);
    if (ts.isIfStatement(statement)) {
      // Both branches: the analysis cannot know which one the run's parameters take.
      this.expr(statement.expression, env);
      this.statement(statement.thenStatement, env);
      if (statement.elseStatement) this.statement(statement.elseStatement, env);
      return undefined;
    }
    if (ts.isSwitchStatement(statement)) {
      this.expr(statement.expression, env);
      for (const clause of statement.caseBlock.clauses) this.block(clause.statements, env);
      return undefined;
    }
    if (ts.isTryStatement(statement)) {
      this.block(statement.tryBlock.statements, env);
      if (statement.catchClause) this.block(statement.catchClause.block.statements, env);
      if (statement.finallyBlock) this.block(statement.finallyBlock.statements, env);
      return undefined;
    }
    if (ts.isLabeledStatement(statement)) return this.statement(statement.statement, env);
    if (ts.isWhileStatement(statement) || ts.isDoStatement(statement) || ts.isForInStatement(statement)) {
      // No literal bound: the body's calls stand for any number of invocations.
      this.loop(undefined, statement.statement, env, undefined);
      return undefined;
    }
    if (ts.isForStatement(statement)) {
      const count = literalLoopCount(statement, (bound) => this.numberOf(bound, env));
      this.loop(count, statement.statement, env, statement.initializer && ts.isVariableDeclarationList(statement.initializer) ? statement.initializer.declarations[0]?.name : undefined);
      return undefined;
    }
    if (ts.isForOfStatement(statement)) {
      const iterated = this.expr(statement.expression, env);
      const name = ts.isVariableDeclarationList(statement.initializer) ? statement.initializer.declarations[0]?.name : undefined;
      if (iterated.kind === 'array') {
        for (const item of iterated.items) {
          if (name) this.bind(name, item, env);
          this.statement(statement.statement, env);
        }
      } else if (ts.isArrayLiteralExpression(statement.expression)) {
        for (const element of statement.expression.elements) {
          if (name) this.bind(name, this.expr(element, env), env);
          this.statement(statement.statement, env);
        }
      } else {
        this.loop(undefined, statement.statement, env, undefined);
      }
      return undefined;
    }
    return undefined;
  }

  /** A loop bound the analysis knows: a numeric literal, a binding of one, or the length of a known array. */
  private numberOf(node: ts.Expression, env: Map<string, Value>): number | undefined {
    if (ts.isNumericLiteral(node)) return Number(node.text);
    if (ts.isIdentifier(node)) {
      const value = env.get(node.text);
      return value?.kind === 'number' ? value.value : undefined;
    }
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'length' && ts.isIdentifier(node.expression)) {
      const value = env.get(node.expression.text);
      return value?.kind === 'array' ? value.items.length : undefined;
    }
    return undefined;
  }

  private loop(count: number | undefined, body: ts.Statement, env: Map<string, Value>, _counter: ts.BindingName | undefined): void {
    if (count !== undefined && count <= 1000) {
      for (let i = 0; i < count; i++) this.statement(body, env);
      return;
    }
    this.dynamic += 1;
    try {
      this.statement(body, env);
    } finally {
      this.dynamic -= 1;
    }
  }

  private bind(name: ts.BindingName, value: Value, env: Map<string, Value>): void {
    if (ts.isIdentifier(name)) {
      env.set(name.text, value);
      return;
    }
    if (ts.isObjectBindingPattern(name)) {
      for (const element of name.elements) {
        const key = element.propertyName && ts.isIdentifier(element.propertyName) ? element.propertyName.text : ts.isIdentifier(element.name) ? element.name.text : undefined;
        const ref = key && value.kind === 'outputs' ? value.refs[key] : undefined;
        this.bind(element.name, ref ? { kind: 'handle', ref } : UNKNOWN, env);
      }
      return;
    }
    name.elements.forEach((element, index) => {
      if (ts.isBindingElement(element)) this.bind(element.name, value.kind === 'array' ? (value.items[index] ?? UNKNOWN) : UNKNOWN, env);
    });
  }

  /**
   * What an expression stands for. Nesting deeper than `MAX_EXPRESSION_DEPTH` is not evaluated
   * (the walk would overflow the stack): its values are unknown, but every call in it is still
   * walked, so its invocations and their ids are in the DAG.
   */
  private expr(node: ts.Expression, env: Map<string, Value>): Value {
    if (this.exprDepth >= MAX_EXPRESSION_DEPTH) {
      this.callsWithin(node, env);
      return UNKNOWN;
    }
    this.exprDepth += 1;
    try {
      return this.evaluate(node, env);
    } finally {
      this.exprDepth -= 1;
    }
  }

  /**
   * Invokes every step and pipeline called in an expression too deep to evaluate, in the order
   * the runtime would (a call's callee and arguments before the call itself), without recursion:
   * their arguments count as unknown values.
   */
  private callsWithin(node: ts.Expression, env: Map<string, Value>): void {
    const calls: ts.CallExpression[] = [];
    forEachDescendant(node, (child) => {
      if (ts.isCallExpression(child)) calls.push(child);
    });
    if (ts.isCallExpression(node)) calls.push(node);
    // Pre-order from the walk; a call is evaluated after everything inside it, so: by end position, inner first.
    calls.sort((a, b) => a.end - b.end || b.pos - a.pos);
    for (const call of calls) {
      const { callee, invocation } = this.invocationOf(call);
      const definition = this.resolve(callee);
      const values = call.arguments.map(() => UNKNOWN);
      if (definition?.kind === 'step') this.invokeStep(definition, call, invocation, env, values);
      if (definition?.kind === 'pipeline') this.invokePipeline(definition, call, env, values);
    }
  }

  /** `someStep.with({ id, after })(...)`: the step's expression and the invocation options. */
  private invocationOf(node: ts.CallExpression): { callee: ts.Expression; invocation?: ts.ObjectLiteralExpression } {
    const callee = node.expression;
    if (ts.isCallExpression(callee) && ts.isPropertyAccessExpression(callee.expression) && callee.expression.name.text === 'with') {
      const options = callee.arguments[0];
      return { callee: callee.expression.expression, invocation: options && ts.isObjectLiteralExpression(options) ? options : undefined };
    }
    return { callee };
  }

  private evaluate(node: ts.Expression, env: Map<string, Value>): Value {
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node)) return this.expr(node.expression, env);
    if (ts.isIdentifier(node)) return env.get(node.text) ?? UNKNOWN;
    if (ts.isNumericLiteral(node)) return { kind: 'number', value: Number(node.text) };
    if (ts.isArrayLiteralExpression(node)) {
      const items: Value[] = [];
      for (const element of node.elements) {
        if (!ts.isSpreadElement(element)) {
          items.push(this.expr(element, env));
          continue;
        }
        // `[...handles, x]`: a known array spreads its items; anything else is one unknown item.
        const spread = this.expr(element.expression, env);
        if (spread.kind === 'array') items.push(...spread.items);
        else items.push(UNKNOWN);
      }
      return { kind: 'array', items };
    }
    if (ts.isElementAccessExpression(node)) {
      const target = this.expr(node.expression, env);
      const index = this.numberOf(node.argumentExpression, env);
      if (target.kind === 'array' && index !== undefined) return target.items[index] ?? UNKNOWN;
      const key = ts.isStringLiteralLike(node.argumentExpression) ? node.argumentExpression.text : undefined;
      const ref = target.kind === 'outputs' && key !== undefined ? target.refs[key] : undefined;
      if (ref) return { kind: 'handle', ref };
      this.expr(node.argumentExpression, env);
      return UNKNOWN;
    }
    if (ts.isPropertyAccessExpression(node)) {
      const target = this.expr(node.expression, env);
      const ref = target.kind === 'outputs' ? target.refs[node.name.text] : undefined;
      return ref ? { kind: 'handle', ref } : UNKNOWN;
    }
    if (ts.isCallExpression(node)) return this.call(node, env);
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(node.left)) {
      const value = this.expr(node.right, env);
      env.set(node.left.text, value);
      return value;
    }
    if (ts.isObjectLiteralExpression(node)) {
      const refs: Record<string, OutputRef> = {};
      for (const member of node.properties) {
        const value = ts.isPropertyAssignment(member) ? this.expr(member.initializer, env) : ts.isShorthandPropertyAssignment(member) ? (env.get(member.name.text) ?? UNKNOWN) : UNKNOWN;
        if (value.kind === 'handle' && member.name && (ts.isIdentifier(member.name) || ts.isStringLiteralLike(member.name))) refs[member.name.text] = value.ref;
      }
      return Object.keys(refs).length > 0 ? { kind: 'outputs', refs } : UNKNOWN;
    }
    // Anything else may still contain step calls (a template literal, a condition): walk it.
    this.walkChildren(node, env);
    return UNKNOWN;
  }

  private walkChildren(node: ts.Node, env: Map<string, Value>): void {
    ts.forEachChild(node, (child) => {
      if (ts.isExpression(child)) this.expr(child, env);
      else this.walkChildren(child, env);
    });
  }

  private call(node: ts.CallExpression, env: Map<string, Value>): Value {
    const { callee, invocation } = this.invocationOf(node);
    const definition = this.resolve(callee);
    if (definition?.kind === 'step') return this.invokeStep(definition, node, invocation, env);
    if (definition?.kind === 'pipeline') return this.invokePipeline(definition, node, env);
    if (ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      const target = this.expr(node.expression.expression, env);
      if (method === 'push' && target.kind === 'array') {
        for (const arg of node.arguments) target.items.push(this.expr(arg, env));
        return UNKNOWN;
      }
      // `Array.from(source, (item, index) => ...)`: a map over a source of unknown length.
      const from = method === 'from' && ts.isIdentifier(node.expression.expression) && node.expression.expression.text === 'Array' ? node.arguments[1] : undefined;
      if (from && (ts.isArrowFunction(from) || ts.isFunctionExpression(from))) {
        this.expr(node.arguments[0]!, env);
        return this.dynamicMap(from, env);
      }
      if (method === 'map' && node.arguments[0] && (ts.isArrowFunction(node.arguments[0]) || ts.isFunctionExpression(node.arguments[0]))) {
        const callback = node.arguments[0];
        const items = target.kind === 'array' ? target.items : undefined;
        if (!items) return this.dynamicMap(callback, env);
        return {
          kind: 'array',
          items: items.map((item) => {
            const scope = new Map(env);
            const param = callback.parameters[0];
            if (param) this.bind(param.name, item, scope);
            return this.walkFunction(callback, scope);
          }),
        };
      }
    }
    for (const arg of node.arguments) this.expr(arg, env);
    return UNKNOWN;
  }

  /**
   * A map over items of unknown number: the callback's invocations appear once (in a dynamic
   * group), and what it returns stands for every item, so a step the result is passed to gets
   * the edges of a fan-in.
   */
  private dynamicMap(callback: ts.ArrowFunction | ts.FunctionExpression, env: Map<string, Value>): Value {
    this.dynamic += 1;
    try {
      return { kind: 'array', items: [this.walkFunction(callback, new Map(env))] };
    } finally {
      this.dynamic -= 1;
    }
  }

  /** `values`: the arguments' values when they are known already (else they are evaluated here). */
  private invokeStep(definition: Definition, call: ts.CallExpression, invocation: ts.ObjectLiteralExpression | undefined, env: Map<string, Value>, known?: Value[]): Value {
    const name = definition.name ?? '<unnamed>';
    // Arguments are evaluated before the call, so nested step calls claim their ids first (as at run time).
    const values = known ?? call.arguments.map((arg) => this.expr(arg, env));
    const explicit = invocation ? property(invocation, 'id') : undefined;
    const id = this.claim(name, explicit && ts.isStringLiteralLike(explicit) ? explicit.text : undefined, call);
    const params = (definition.fn?.parameters ?? []).map((p, i) => (ts.isIdentifier(p.name) ? p.name.text : `arg${i}`));
    const outputs = stringArray(definition.options ? property(definition.options, 'outputs') : undefined);
    const node: StaticNode = {
      id,
      step: name,
      namespace: [...this.namespace],
      params,
      outputs: outputs && outputs.length > 0 ? outputs : ['output'],
      after: [],
      range: rangeOf(call),
      definition: { file: definition.call.getSourceFile().fileName, range: rangeOf(definition.call) },
      options: this.nodeOptions(definition, invocation),
      types: this.typesOf(definition, params, outputs && outputs.length > 0 ? outputs : ['output']),
    };
    if (this.dynamic > 0) node.dynamic = true;
    this.definitions.set(id, definition);
    values.forEach((value, index) => {
      const arg = call.arguments[index];
      const input = params[index] ?? `arg${index}`;
      const refs = value.kind === 'handle' ? [value.ref] : value.kind === 'array' ? value.items.flatMap((item) => (item.kind === 'handle' ? [item.ref] : [])) : [];
      for (const ref of refs) this.edges.push({ from: ref.from, fromOutput: ref.output, to: id, toInput: input, kind: 'data' });
      if (value.kind === 'handle') this.checkWiring(ref(value), definition, index, arg, false);
      if (value.kind === 'array') for (const item of value.items) if (item.kind === 'handle') this.checkWiring(item.ref, definition, index, arg, true);
    });
    const after = invocation ? property(invocation, 'after') : undefined;
    if (after) {
      const targets = ts.isArrayLiteralExpression(after) ? [...after.elements] : [after];
      for (const target of targets) {
        if (ts.isStringLiteralLike(target)) {
          this.pending.push({ node, target: target.text, namespace: [...this.namespace], at: target });
          continue;
        }
        const value = this.expr(target, env);
        const refs = value.kind === 'handle' ? [value.ref] : value.kind === 'outputs' ? Object.values(value.refs) : [];
        for (const from of new Set(refs.map((r) => r.from))) node.after.push(from);
      }
    }
    this.nodes.push(node);
    if (outputs && outputs.length > 0) {
      return { kind: 'outputs', refs: Object.fromEntries(outputs.map((output) => [output, { from: id, output }])) };
    }
    return { kind: 'handle', ref: { from: id, output: 'output' } };
  }

  private typesOf(definition: Definition, params: string[], outputs: string[]): StaticNode['types'] {
    const checkers = this.checkers;
    const fn = definition.fn;
    if (!checkers || !fn) return { inputs: {}, outputs: {} };
    const inputs: Record<string, string> = {};
    fn.parameters.forEach((param, index) => {
      const written = writtenParameterType(param);
      inputs[params[index]] = written ? written.getText(fn.getSourceFile()) : checkers.types().typeToString(checkers.types().getTypeAtLocation(param));
    });
    const types: Record<string, string> = {};
    for (const output of outputs) {
      const plain = plainOutputType(checkers.names, definition, output);
      if (plain) {
        types[output] = plain.text;
        continue;
      }
      const type = outputType(checkers.types(), definition, output);
      types[output] = type ? checkers.types().typeToString(type) : 'unknown';
    }
    return { inputs, outputs: types };
  }

  /** Reports an output wired into an input whose declared type does not accept it. */
  private checkWiring(source: OutputRef, consumer: Definition, index: number, at: ts.Node, fanIn: boolean): void {
    const checkers = this.checkers;
    const param = consumer.fn?.parameters[index];
    const producer = this.definitions.get(source.from);
    const written = param ? writtenParameterType(param) : undefined;
    if (!checkers || !param || !written || !producer?.fn) return;
    // Written types that are plainly the same (or `any`/`unknown`) need no type checker.
    const expectedNode = fanIn ? (ts.isArrayTypeNode(written) ? written.elementType : undefined) : written;
    const plainExpected = plainType(expectedNode, checkers.names);
    const plainProduced = plainOutputType(checkers.names, producer, source.output);
    if (plainExpected && plainProduced && (plainExpected.loose || plainProduced.loose || samePlainType(plainExpected, plainProduced))) return;
    const checker = checkers.types();
    let expected = checker.getTypeAtLocation(param);
    if (fanIn) {
      if (!checker.isArrayType(expected)) return;
      expected = checker.getTypeArguments(expected as ts.TypeReference)[0];
    }
    const produced = outputType(checker, producer, source.output);
    const loose = ts.TypeFlags.Any | ts.TypeFlags.Unknown;
    if (!produced || !expected || produced.flags & loose || expected.flags & loose || checker.isTypeAssignableTo(produced, expected)) return;
    const name = ts.isIdentifier(param.name) ? param.name.text : `#${index + 1}`;
    this.diagnostics.push(
      finding(
        STATIC_DAG_DIAGNOSTICS,
        'input-type-mismatch',
        { file: at.getSourceFile().fileName, range: rangeOf(at) },
        `output "${source.output}" of "${source.from}" is ${checker.typeToString(produced)}, but input "${name}" of step "${consumer.name ?? '?'}" expects ${checker.typeToString(expected)}${fanIn ? ' (as an item of the list)' : ''}`,
      ),
    );
  }

  private invokePipeline(definition: Definition, call: ts.CallExpression, env: Map<string, Value>, known?: Value[]): Value {
    const values = known ?? call.arguments.map((arg) => this.expr(arg, env));
    const id = this.claim(definition.name ?? '<unnamed>', undefined, call);
    const outer = this.namespace;
    const outerPipelines = this.pipelines;
    this.namespace = [...outer, id.slice(id.lastIndexOf('/') + 1)];
    this.pipelines = [...outerPipelines, definition];
    try {
      const scope = new Map<string, Value>();
      definition.fn?.parameters.forEach((param, index) => this.bind(param.name, values[index] ?? UNKNOWN, scope));
      return definition.fn ? this.walkFunction(definition.fn, scope) : UNKNOWN;
    } finally {
      this.namespace = outer;
      this.pipelines = outerPipelines;
    }
  }

  /**
   * Literal options of one invocation merged as the runtime merges them: `.with(...)` over the
   * step's options, then the enclosing pipelines' heartbeat, pool and hooks as defaults (innermost wins).
   */
  private nodeOptions(definition: Definition, invocation: ts.ObjectLiteralExpression | undefined): NodeOptionsView {
    // The shared rule sees a hook where the code names one (its value is code, not a literal).
    const layer = (object: ts.ObjectLiteralExpression | undefined) => {
      const { hooks, ...view } = readOptions(object);
      return { ...view, ...(hooks?.onSuccess ? { onSuccess: true } : {}), ...(hooks?.onFailure ? { onFailure: true } : {}) };
    };
    const { merged, heartbeat, pool, hooks } = mergeInvocationOptions(layer(definition.options), layer(invocation), this.pipelines.map((p) => layer(p.options)));
    const view: NodeOptionsView & { onSuccess?: boolean; onFailure?: boolean } = { ...merged };
    for (const hook of HOOK_NAMES) delete view[hook];
    // Only a literal maxRetries makes a policy the analysis can show.
    if (view.retry?.maxRetries !== undefined) view.retry = retryWithDefaults({ ...view.retry, maxRetries: view.retry.maxRetries });
    if (heartbeat) view.heartbeat = heartbeat;
    if (pool !== undefined) view.pool = pool;
    if (Object.keys(hooks).length > 0) view.hooks = hooks;
    return view;
  }

  private claim(name: string, explicit: string | undefined, at: ts.Node): string {
    const prefix = namespacePrefix(this.namespace);
    if (explicit !== undefined) {
      const claim = claimExplicitId(prefix, explicit, this.used);
      const where = { file: at.getSourceFile().fileName, range: rangeOf(at) };
      if (claim.invalid) this.diagnostics.push(finding(STATIC_DAG_DIAGNOSTICS, 'invalid-invocation-id', where, claim.invalid));
      if (claim.duplicate) this.diagnostics.push(finding(STATIC_DAG_DIAGNOSTICS, 'duplicate-invocation-id', where, claim.duplicate));
      return claim.id;
    }
    return claimAutomaticId(prefix, name, this.used);
  }

  private resolvePending(): void {
    const ids = new Set(this.nodes.map((n) => n.id));
    for (const pending of this.pending) {
      const resolved = resolveAfterTarget(pending.target, pending.namespace, ids, pending.node.id);
      if ('problem' in resolved) {
        const unknown = !ids.has([...pending.namespace, pending.target].join('/')) && !ids.has(pending.target);
        this.diagnostics.push({
          ...finding(STATIC_DAG_DIAGNOSTICS, unknown ? 'unknown-after-target' : 'cycle', { file: pending.at.getSourceFile().fileName, range: rangeOf(pending.at) }, resolved.problem),
          ...(unknown ? { fix: { title: `Remove "${pending.target}" from after`, edits: [{ range: removalRange(pending.at), newText: '' }] } } : {}),
        });
        continue;
      }
      if (!pending.node.after.includes(resolved.id)) pending.node.after.push(resolved.id);
    }
    for (const node of this.nodes) for (const from of node.after) this.edges.push({ from, to: node.id, kind: 'order' });
    this.reportCycles();
  }

  /**
   * `after` targets named by id can point forward, so wiring can loop: the runtime would refuse it.
   * Upstream in the runtime's order (`upstreamIds`): `after` targets first, then data inputs.
   */
  private reportCycles(): void {
    const byId = new Map(this.nodes.map((n) => [n.id, n]));
    const dataUpstream = new Map<string, string[]>();
    for (const edge of this.edges) if (edge.kind === 'data') dataUpstream.set(edge.to, [...(dataUpstream.get(edge.to) ?? []), edge.from]);
    const upstream = (id: string) => [...new Set([...(byId.get(id)?.after ?? []), ...(dataUpstream.get(id) ?? [])])];
    const cycle = findCycle(
      this.nodes.map((n) => n.id),
      upstream,
    );
    if (!cycle) return;
    const at = byId.get(cycle[0]) ?? this.nodes[0];
    this.diagnostics.push(finding(STATIC_DAG_DIAGNOSTICS, 'cycle', { file: this.file ?? '', range: at.range }, cycleMessage(cycle)));
  }
}

function ref(value: Value & { kind: 'handle' }): OutputRef {
  return value.ref;
}

/** `outputType` when the step's return type is written plainly enough to answer without the type checker. */
function plainOutputType(names: NameResolver, definition: Definition, output: string): PlainType | undefined {
  const fn = definition.fn;
  if (!fn) return undefined;
  const returned = awaitedReturnNode(fn, names);
  const declared = stringArray(definition.options ? property(definition.options, 'outputs') : undefined);
  if (!declared || declared.length === 0) return plainType(returned, names);
  const member = plainProperty(returned, output);
  return member ? plainType(member, names) : undefined;
}

/** The type of one output of a step (its return type, awaited; a property of it for declared outputs). */
export function outputType(checker: ts.TypeChecker, definition: Definition, output: string): ts.Type | undefined {
  const fn = definition.fn;
  const signature = fn ? checker.getSignatureFromDeclaration(fn) : undefined;
  if (!fn || !signature) return undefined;
  const raw = checker.getReturnTypeOfSignature(signature);
  const returned = checker.getAwaitedType(raw) ?? raw;
  const declared = stringArray(definition.options ? property(definition.options, 'outputs') : undefined);
  if (!declared || declared.length === 0) return returned;
  const member = checker.getPropertyOfType(returned, output);
  return member ? checker.getTypeOfSymbolAtLocation(member, fn) : undefined;
}

/**
 * What removing an unknown `after` target deletes: the element with the comma that separates it
 * from its neighbour (`['a', 'ghost']`), or the whole `after` property when the target is its only
 * value (`after: 'ghost'`, `after: ['ghost']`), with its comma.
 */
function removalRange(target: ts.Node): ReturnType<typeof rangeOf> {
  const sourceFile = target.getSourceFile();
  let element: ts.Node = target;
  if (ts.isArrayLiteralExpression(element.parent) && element.parent.elements.length === 1) element = element.parent;
  while (ts.isAsExpression(element.parent) || ts.isParenthesizedExpression(element.parent) || ts.isSatisfiesExpression(element.parent)) element = element.parent;
  if (ts.isPropertyAssignment(element.parent)) element = element.parent;
  const list = element.parent;
  const siblings: readonly ts.Node[] | undefined = ts.isArrayLiteralExpression(list) ? list.elements : ts.isObjectLiteralExpression(list) ? list.properties : undefined;
  if (!siblings) return rangeOf(element, sourceFile);
  const index = siblings.indexOf(element);
  const next = siblings[index + 1];
  const previous = siblings[index - 1];
  const start = next ? element.getStart(sourceFile) : previous ? previous.getEnd() : element.getStart(sourceFile);
  const end = next ? next.getStart(sourceFile) : element.getEnd();
  const a = sourceFile.getLineAndCharacterOfPosition(start);
  const b = sourceFile.getLineAndCharacterOfPosition(end);
  return { start: { line: a.line, character: a.character }, end: { line: b.line, character: b.character } };
}

function defaultValueOf(initializer: ts.Expression, names: Checkers['names'] | undefined): { defaultValue?: string } {
  const value = literalDefault(initializer, names);
  return value === undefined ? {} : { defaultValue: value };
}
