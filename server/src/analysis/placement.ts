import ts from 'typescript';
import { rangeOf, type Definition } from './definitions';
import { declareDiagnostics, finding } from './diagnosticDeclarations';
import type { AnalysisDiagnostic } from './model';
import type { NameResolver } from './nameResolver';
import { forEachDescendant } from './walk';

/** Resolves a callee to the step or pipeline definition it names, if any. */
export type Resolve = (callee: ts.Expression) => Definition | undefined;

export const PLACEMENT_DIAGNOSTICS = declareDiagnostics({
  'step-outside-pipeline': { severity: 'error' },
});

/**
 * Step calls outside any function run when the module loads, not inside a pipeline body: at run
 * time they throw. (Calls inside other functions may be reached from a body, so they are left alone.)
 */
export function stepsOutsidePipelines(sourceFile: ts.SourceFile, definitions: Definition[], resolve: Resolve): AnalysisDiagnostic[] {
  const out: AnalysisDiagnostic[] = [];
  forEachDescendant(sourceFile, (node) => {
    if (ts.isFunctionLike(node)) return false;
    if (ts.isCallExpression(node)) {
      const definition = resolve(calleeOf(node));
      if (definition?.kind === 'step' && !definitions.some((d) => d.call === node)) {
        out.push(
          finding(
            PLACEMENT_DIAGNOSTICS,
            'step-outside-pipeline',
            { file: sourceFile.fileName, range: rangeOf(node, sourceFile) },
            `step "${definition.name ?? '?'}" is called outside a pipeline body; this throws at run time (call ${definition.name ?? 'it'}.fn(...) to run the function)`,
          ),
        );
      }
    }
    return true;
  });
  return out;
}

/** `a.with({...})(x)` calls `a`: the callee behind an invocation-options wrapper. */
export function calleeOf(call: ts.CallExpression): ts.Expression {
  const callee = call.expression;
  if (ts.isCallExpression(callee) && ts.isPropertyAccessExpression(callee.expression) && callee.expression.name.text === 'with') return callee.expression.expression;
  return callee;
}

/** Whether an identifier holds what a step call returned (a handle), judged by its declaration. */
export function isStepResult(id: ts.Identifier, resolver: NameResolver, resolve: Resolve): boolean {
  const declaration = resolver.valueDeclaration(id);
  if (!declaration) return false;
  const initializer = ts.isVariableDeclaration(declaration)
    ? declaration.initializer
    : ts.isBindingElement(declaration)
      ? ts.findAncestor(declaration, ts.isVariableDeclaration)?.initializer
      : undefined;
  if (!initializer || !ts.isCallExpression(initializer)) return false;
  return resolve(calleeOf(initializer))?.kind === 'step';
}
