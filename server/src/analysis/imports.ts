import ts from 'typescript';

/** Whether a file is JavaScript (`.js`, `.cjs`, `.mjs`, `.jsx`): types come from JSDoc, and CommonJS `require` imports. */
export function isJavaScriptFile(sourceFile: ts.SourceFile): boolean {
  return (sourceFile.flags & ts.NodeFlags.JavaScriptFile) !== 0;
}

/** The specifier of `require('m')` (or `require('m').name`), when `node` is one in a JavaScript file. */
export function requiredSpecifier(node: ts.Node | undefined): ts.StringLiteralLike | undefined {
  if (!node || !(node.flags & ts.NodeFlags.JavaScriptFile)) return undefined;
  const call = ts.isPropertyAccessExpression(node) ? node.expression : node;
  if (!ts.isCallExpression(call) || !ts.isIdentifier(call.expression) || call.expression.text !== 'require' || call.arguments.length !== 1) return undefined;
  const argument = call.arguments[0];
  return ts.isStringLiteralLike(argument) ? argument : undefined;
}

/**
 * The modules a file names at its top level: `import` and `export ... from`, `import x = require()`,
 * and, in JavaScript, `const x = require('m')` (destructured or not, or `require('m').name`).
 */
export function moduleSpecifiers(sourceFile: ts.SourceFile): ts.StringLiteralLike[] {
  const found: ts.StringLiteralLike[] = [];
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) {
      if (statement.moduleSpecifier && ts.isStringLiteralLike(statement.moduleSpecifier)) found.push(statement.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(statement)) {
      const reference = statement.moduleReference;
      if (ts.isExternalModuleReference(reference) && ts.isStringLiteralLike(reference.expression)) found.push(reference.expression);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const specifier = requiredSpecifier(declaration.initializer);
        if (specifier) found.push(specifier);
      }
    }
  }
  return found;
}

/** Names a JavaScript file binds at its top level from `require(...)`: `const pw = require('m')`, `const { step } = require('m')`. */
export function requiredNames(sourceFile: ts.SourceFile): string[] {
  const names: string[] = [];
  if (!isJavaScriptFile(sourceFile)) return names;
  for (const statement of sourceFile.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!requiredSpecifier(declaration.initializer)) continue;
      if (ts.isIdentifier(declaration.name)) names.push(declaration.name.text);
      else if (ts.isObjectBindingPattern(declaration.name)) for (const element of declaration.name.elements) if (ts.isIdentifier(element.name)) names.push(element.name.text);
    }
  }
  return names;
}
