import ts from 'typescript';
import { z } from 'zod';
import { optionUnits } from '../../../runtime/src/model/runOptions';
import { property, unwrap } from './definitions';

/**
 * The literal parts of an options object checked against the schema the runtime checks the
 * options with (`model/runOptions.ts`), so every option's bounds are written once, there: what
 * the code leaves open (a variable, a call, a spread) is not judged.
 */

/** One value of an options object that its schema refuses. */
export interface LiteralOptionProblem {
  /** The top-level option it belongs to (`retry` for `retry.delay`). */
  option: string;
  /** Where to report it: the value, or the object that lacks a required key. */
  node: ts.Node;
  message: string;
}

/** What `object`'s literal values break of `schema` (an object schema: a step's or a pipeline's data options). */
export function literalOptionProblems(schema: z.ZodObject, object: ts.ObjectLiteralExpression): LiteralOptionProblem[] {
  const out: LiteralOptionProblem[] = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    const value = property(object, key);
    if (value) checkValue(field as z.ZodType, value, [key], out);
  }
  return out;
}

export const NOT_LITERAL = Symbol('not a literal');

function checkValue(schema: z.ZodType, node: ts.Expression, path: string[], out: LiteralOptionProblem[]): void {
  const inner = withoutOptional(schema);
  const value = unwrap(node);
  const report = (at: ts.Node, message: string) => out.push({ option: path[0], node: at, message });
  if (inner instanceof z.ZodObject && ts.isObjectLiteralExpression(value)) {
    for (const [key, field] of Object.entries(inner.shape)) {
      const member = property(value, key);
      if (member) checkValue(field as z.ZodType, member, [...path, key], out);
      else if (!(field as z.ZodType).safeParse(undefined).success && !mayHold(value, key)) report(value, `${path.join('.')} needs ${key}`);
    }
    return;
  }
  const literal = literalValue(value);
  if (literal === NOT_LITERAL) return;
  const parsed = inner.safeParse(literal);
  if (parsed.success) return;
  const issue = parsed.error.issues[0];
  const where = [...path, ...issue.path.map(String)].join('.');
  const written = typeof literal === 'number' ? String(literal) : value.getText();
  if (inner instanceof z.ZodNumber) report(value, `${where} must be ${numberBounds(inner)}, got ${written}`);
  // A refinement's message reads after the value ("is not a duration; use ...").
  else if (issue.code === 'custom') report(value, `${where} ${written} ${issue.message}`);
  else report(value, `${where}: ${issue.message}, got ${written}`);
}

function withoutOptional(schema: z.ZodType): z.ZodType {
  let inner = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodReadonly) inner = inner.unwrap() as z.ZodType;
  return inner;
}

/** Whether an object literal may hold `key` where the analysis cannot see it: a shorthand or computed member, a spread. */
function mayHold(object: ts.ObjectLiteralExpression, key: string): boolean {
  return object.properties.some((member) => ts.isSpreadAssignment(member) || (ts.isShorthandPropertyAssignment(member) && member.name.text === key) || (member.name !== undefined && ts.isComputedPropertyName(member.name)));
}

/** A number schema's bounds in words: `a whole number ≥ 0`, `> 0 seconds`, `≥ 1`. */
function numberBounds(schema: z.ZodNumber): string {
  const json = z.toJSONSchema(schema) as { type?: string; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number };
  const bounds = [
    json.minimum !== undefined && json.minimum > Number.MIN_SAFE_INTEGER ? `≥ ${json.minimum}` : undefined,
    json.exclusiveMinimum !== undefined ? `> ${json.exclusiveMinimum}` : undefined,
    json.maximum !== undefined && json.maximum < Number.MAX_SAFE_INTEGER ? `≤ ${json.maximum}` : undefined,
    json.exclusiveMaximum !== undefined ? `< ${json.exclusiveMaximum}` : undefined,
  ].filter((bound) => bound !== undefined);
  const kind = json.type === 'integer' ? 'a whole number' : bounds.length === 0 ? 'a number' : undefined;
  const unit = optionUnits.get(schema)?.unit;
  return [kind, bounds.join(' and '), unit].filter((part) => part !== undefined && part !== '').join(' ');
}

/** An expression's value when it is written as a literal (numbers, strings, booleans, and arrays and objects of them). */
export function literalValue(node: ts.Expression): unknown {
  const value = unwrap(node);
  if (ts.isNumericLiteral(value)) return Number(value.text);
  if (ts.isPrefixUnaryExpression(value) && (value.operator === ts.SyntaxKind.MinusToken || value.operator === ts.SyntaxKind.PlusToken)) {
    const operand = literalValue(value.operand);
    if (typeof operand !== 'number') return NOT_LITERAL;
    return value.operator === ts.SyntaxKind.MinusToken ? -operand : operand;
  }
  if (ts.isStringLiteralLike(value)) return value.text;
  if (value.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (value.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isArrayLiteralExpression(value)) {
    const items = value.elements.map((element) => (ts.isSpreadElement(element) || ts.isOmittedExpression(element) ? NOT_LITERAL : literalValue(element)));
    return items.includes(NOT_LITERAL) ? NOT_LITERAL : items;
  }
  if (ts.isObjectLiteralExpression(value)) {
    const entries = value.properties.map((member) =>
      ts.isPropertyAssignment(member) && (ts.isIdentifier(member.name) || ts.isStringLiteralLike(member.name)) ? [member.name.text, literalValue(member.initializer)] : [undefined, NOT_LITERAL],
    );
    return entries.some(([, item]) => item === NOT_LITERAL) ? NOT_LITERAL : Object.fromEntries(entries);
  }
  return NOT_LITERAL;
}
