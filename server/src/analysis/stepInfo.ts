import ts from 'typescript';
import { property, rangeOf, stringArray, type Definition } from './definitions';
import type { StepInfo } from './model';
import { writtenParameterType, writtenReturnType, type Checkers } from './plainTypes';

/** What hover, symbols and code lenses show of a step definition: parameters, outputs and their types. */
export function describeStep(definition: Definition, checkers: Checkers): StepInfo {
  const fn = definition.fn;
  const sourceFile = definition.call.getSourceFile();
  const outputs = stringArray(definition.options ? property(definition.options, 'outputs') : undefined);
  // Written types are shown as written; only unwritten ones need the type checker.
  const inferredReturn = (): string => {
    const checker = checkers.types();
    const signature = fn ? checker.getSignatureFromDeclaration(fn) : undefined;
    return signature ? checker.typeToString(checker.getReturnTypeOfSignature(signature)) : 'unknown';
  };
  return {
    name: definition.name ?? '<unnamed>',
    file: sourceFile.fileName,
    range: rangeOf(definition.call, sourceFile),
    params: (fn?.parameters ?? []).map((p, i) => (ts.isIdentifier(p.name) ? p.name.text : `arg${i}`)),
    paramTypes: (fn?.parameters ?? []).map((p) => writtenParameterType(p)?.getText(sourceFile) ?? checkers.types().typeToString(checkers.types().getTypeAtLocation(p))),
    returnType: (fn ? writtenReturnType(fn)?.getText(sourceFile) : undefined) ?? (fn ? inferredReturn() : 'unknown'),
    outputs: outputs && outputs.length > 0 ? outputs : ['output'],
    ...(definition.options ? { options: definition.options.getText(sourceFile) } : {}),
  };
}
