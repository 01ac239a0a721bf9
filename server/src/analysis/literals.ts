import ts from 'typescript';
import { property, stringArray } from './definitions';
import type { NodeOptionsView, StaticPipeline } from './model';

/** Literal option values of a `step({...})` or `.with({...})` object. */
export function readOptions(object: ts.ObjectLiteralExpression | undefined): NodeOptionsView {
  if (!object) return {};
  const view: NodeOptionsView = {};
  const number = (node: ts.Expression | undefined) => (node && ts.isNumericLiteral(node) ? Number(node.text) : undefined);
  const numbers = (node: ts.Expression | undefined, keys: string[]) => {
    if (!node || !ts.isObjectLiteralExpression(node)) return undefined;
    const out: Record<string, number> = {};
    for (const key of keys) {
      const value = number(property(node, key));
      if (value !== undefined) out[key] = value;
    }
    return out;
  };
  const cache = property(object, 'enableCache');
  if (cache && (cache.kind === ts.SyntaxKind.TrueKeyword || cache.kind === ts.SyntaxKind.FalseKeyword)) view.enableCache = cache.kind === ts.SyntaxKind.TrueKeyword;
  const retry = numbers(property(object, 'retry'), ['maxRetries', 'delay', 'backoff']);
  if (retry) view.retry = retry;
  const heartbeat = numbers(property(object, 'heartbeat'), ['interval', 'timeout']);
  if (heartbeat) view.heartbeat = heartbeat;
  const hooks = (['onSuccess', 'onFailure'] as const).filter((hook) => property(object, hook) !== undefined);
  if (hooks.length > 0) view.hooks = Object.fromEntries(hooks.map((hook) => [hook, 'step' as const]));
  const limits = stringArray(property(object, 'limits'));
  if (limits) view.limits = limits;
  const pool = property(object, 'pool');
  if (pool && ts.isStringLiteralLike(pool)) view.pool = pool.text;
  return view;
}

/** The literal options of a pipeline that the graph shows (execution mode, cache, run name). */
export function pipelineOptions(object: ts.ObjectLiteralExpression | undefined): StaticPipeline['options'] {
  if (!object) return {};
  const out: StaticPipeline['options'] = {};
  const mode = property(object, 'executionMode');
  if (mode && ts.isStringLiteralLike(mode)) out.executionMode = mode.text;
  const runName = property(object, 'runName');
  if (runName && ts.isStringLiteralLike(runName)) out.runName = runName.text;
  const cache = property(object, 'enableCache');
  if (cache && (cache.kind === ts.SyntaxKind.TrueKeyword || cache.kind === ts.SyntaxKind.FalseKeyword)) out.enableCache = cache.kind === ts.SyntaxKind.TrueKeyword;
  return out;
}

/**
 * The iteration count of `for (let i = A; i < B; i++)` (or `<=`, `++i`, `i += 1`) when `bound`
 * knows A and B, else undefined: such a loop is unrolled, as the runtime would run it.
 */
export function literalLoopCount(statement: ts.ForStatement, bound: (node: ts.Expression) => number | undefined): number | undefined {
  const init = statement.initializer;
  const condition = statement.condition;
  const step = statement.incrementor;
  if (!init || !ts.isVariableDeclarationList(init) || init.declarations.length !== 1 || !condition || !ts.isBinaryExpression(condition) || !step) return undefined;
  const counter = init.declarations[0].name;
  const start = init.declarations[0].initializer;
  if (!ts.isIdentifier(counter) || !start || !ts.isIdentifier(condition.left) || condition.left.text !== counter.text) return undefined;
  const byOne =
    ((ts.isPostfixUnaryExpression(step) || ts.isPrefixUnaryExpression(step)) && step.operator === ts.SyntaxKind.PlusPlusToken) ||
    (ts.isBinaryExpression(step) && step.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken && ts.isNumericLiteral(step.right) && step.right.text === '1');
  const from = bound(start);
  const to = bound(condition.right);
  if (!byOne || from === undefined || to === undefined) return undefined;
  const op = condition.operatorToken.kind;
  if (op === ts.SyntaxKind.LessThanToken) return Math.max(0, Math.ceil(to - from));
  if (op === ts.SyntaxKind.LessThanEqualsToken) return Math.max(0, Math.floor(to - from) + 1);
  return undefined;
}
