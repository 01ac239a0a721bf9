import ts from 'typescript';
import { unwrap } from './definitions';
import { literalValue, NOT_LITERAL } from './literalOptions';
import type { NameResolver } from './nameResolver';

/** `const` declarations followed from a name to its literal before giving up (a chain of aliases). */
const MAX_HOPS = 8;

/**
 * A parameter default's value as JSON text, when the code says what it is: a literal (`3`,
 * `'iris.csv'`, `[1, 2]`), or a name of a `const` declared with one, followed across files and
 * imports (`path = DEFAULT_DATA`). Undefined for anything computed (a call, a `let`, a template).
 */
export function literalDefault(initializer: ts.Expression, names: NameResolver | undefined): string | undefined {
  let expression = unwrap(initializer);
  for (let hops = 0; ts.isIdentifier(expression) && names && hops < MAX_HOPS; hops++) {
    const declaration = names.valueDeclaration(expression);
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
    if (!(ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const)) return undefined;
    expression = unwrap(declaration.initializer);
  }
  const value = literalValue(expression);
  return value === NOT_LITERAL ? undefined : JSON.stringify(value);
}
