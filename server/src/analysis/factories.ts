import ts from 'typescript';
import { pipewrightCallee, type Definition } from './definitions';
import type { NameResolver } from './nameResolver';

/**
 * The definition a call to a step factory makes: `middle('s3')` where
 * `const middle = (name: string) => step({ name }, fn)` (or a function declaration whose last
 * statement returns such a call). The name is the `name` option when it is a literal, or the
 * literal argument passed for the factory parameter it names; else the function's name.
 */
export function factoryDefinition(outer: ts.CallExpression, resolver: NameResolver, definitionOf: (call: ts.CallExpression) => Definition | undefined): Definition | undefined {
  const factory = factoryFunction(outer.expression, resolver);
  const returned = factory ? returnedExpression(factory) : undefined;
  if (!factory || !returned || !ts.isCallExpression(returned) || !pipewrightCallee(resolver, returned.expression)) return undefined;
  const base = definitionOf(returned);
  if (!base) return undefined;
  const nameNode = base.options ? nameOption(base.options) : undefined;
  let name = base.name;
  if (nameNode && ts.isIdentifier(nameNode)) {
    const index = factory.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === nameNode.text);
    const argument = index >= 0 ? outer.arguments[index] : undefined;
    // A name only known at run time: the analysis cannot give the invocation its id.
    if (!argument || !ts.isStringLiteralLike(argument)) return undefined;
    name = argument.text;
  }
  return { ...base, name };
}

function factoryFunction(callee: ts.Expression, resolver: NameResolver): ts.SignatureDeclaration & { body?: ts.ConciseBody } | undefined {
  if (!ts.isIdentifier(callee)) return undefined;
  const declaration = resolver.valueDeclaration(callee);
  if (!declaration) return undefined;
  if (ts.isFunctionDeclaration(declaration)) return declaration;
  if (ts.isVariableDeclaration(declaration) && declaration.initializer && (ts.isArrowFunction(declaration.initializer) || ts.isFunctionExpression(declaration.initializer))) return declaration.initializer;
  return undefined;
}

function returnedExpression(fn: ts.SignatureDeclaration & { body?: ts.ConciseBody }): ts.Expression | undefined {
  const body = fn.body;
  if (!body) return undefined;
  if (!ts.isBlock(body)) return body;
  const last = body.statements[body.statements.length - 1];
  return last && ts.isReturnStatement(last) ? last.expression : undefined;
}

/** The `name` option's value node (`name: x` or the shorthand `name`). */
function nameOption(options: ts.ObjectLiteralExpression): ts.Expression | undefined {
  for (const member of options.properties) {
    if (ts.isShorthandPropertyAssignment(member) && member.name.text === 'name') return member.name;
    if (ts.isPropertyAssignment(member) && (ts.isIdentifier(member.name) || ts.isStringLiteralLike(member.name)) && member.name.text === 'name') return member.initializer;
  }
  return undefined;
}
