/**
 * For the TypeScript server plugin (the extension contributes it as `pipewright-typescript-plugin`):
 * one mistake, one error. Where a step's output handle is wired into a step input of another
 * type, the Pipewright language server reports `input-type-mismatch`, naming the output, the
 * upstream step and both types; TypeScript's own error on that argument
 * (`Argument of type 'OutputHandle<Row[]>' is not assignable to parameter of type 'Input<number>'`)
 * would say the same less clearly, so the plugin drops it from the editor's diagnostics. Only
 * there: the argument (or a fan-in list item) must be a step call, or a name bound to one, passed
 * to a Pipewright step, as the static DAG sees wiring. `tsc` is untouched and still reports it.
 */
import type ts from 'typescript';

/** TypeScript's "Argument of type ... is not assignable to parameter" and "Type ... is not assignable to type". */
const NOT_ASSIGNABLE = new Set([2345, 2322]);

/** Whether a TypeScript diagnostic is the duplicate of a Pipewright `input-type-mismatch`. */
export function isDuplicateOfWiringError(typescript: typeof ts, program: ts.Program, diagnostic: ts.Diagnostic): boolean {
  if (!NOT_ASSIGNABLE.has(diagnostic.code) || diagnostic.start === undefined || !diagnostic.file) return false;
  const sourceFile = diagnostic.file;
  const checker = program.getTypeChecker();
  const expression = expressionStartingAt(typescript, sourceFile, diagnostic.start);
  if (!expression || !isHandleType(checker.getTypeAtLocation(expression))) return false;
  // The argument itself, or an item of a list passed as the argument (fan-in).
  const argument = typescript.isArrayLiteralExpression(expression.parent) ? expression.parent : expression;
  const call = argument.parent;
  if (!typescript.isCallExpression(call) || !call.arguments.includes(argument as ts.Expression)) return false;
  return isStep(checker.getTypeAtLocation(call.expression)) && isStepResult(typescript, checker, expression);
}

/** The outermost expression that starts at `position` (what TypeScript reports the error on). */
function expressionStartingAt(typescript: typeof ts, sourceFile: ts.SourceFile, position: number): ts.Expression | undefined {
  let found: ts.Expression | undefined;
  const visit = (node: ts.Node): void => {
    if (found || position < node.getStart(sourceFile) || position >= node.end) return;
    const listed = node.parent !== undefined && (typescript.isArrayLiteralExpression(node.parent) || typescript.isCallExpression(node.parent));
    if (node.getStart(sourceFile) === position && typescript.isExpression(node) && listed) {
      found = node;
      return;
    }
    typescript.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** The SDK's `OutputHandle<T>` (what a step call returns in a pipeline body). */
function isHandleType(type: ts.Type): boolean {
  return (type.getSymbol() ?? type.aliasSymbol)?.getName() === 'OutputHandle';
}

/** A Pipewright step value: callable, with the SDK's `Step` members. */
function isStep(type: ts.Type): boolean {
  return type.getCallSignatures().length > 0 && ['definition', 'fn', 'with', 'configure'].every((name) => type.getProperty(name) !== undefined);
}

/** A step call, or a name bound to one (`const rows = load()`, `const { train } = split(rows)`). */
function isStepResult(typescript: typeof ts, checker: ts.TypeChecker, expression: ts.Expression): boolean {
  if (typescript.isCallExpression(expression)) return isStep(checker.getTypeAtLocation(expression.expression));
  if (!typescript.isIdentifier(expression)) return false;
  const declaration = checker.getSymbolAtLocation(expression)?.valueDeclaration;
  if (!declaration) return false;
  const variable = typescript.isVariableDeclaration(declaration) ? declaration : typescript.isBindingElement(declaration) ? typescript.findAncestor(declaration, typescript.isVariableDeclaration) : undefined;
  const initializer = variable?.initializer;
  return initializer !== undefined && typescript.isCallExpression(initializer) && isStep(checker.getTypeAtLocation(initializer.expression));
}
