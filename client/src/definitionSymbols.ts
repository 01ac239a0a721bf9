/**
 * Step and pipeline definitions, from the workspace symbols the language server publishes
 * (`toWorkspaceSymbols` in server/src/toLsp.ts: a step is a Function, a pipeline a Module, both in
 * a `Pipewright ...` container). Pure.
 */
import type { SourceRange } from '../../contracts/src/graph';

export interface Definition {
  kind: 'step' | 'pipeline';
  name: string;
  uri: string;
  range: SourceRange;
}

/** LSP's SymbolKind values the server uses. */
const FUNCTION = 12;
const MODULE = 2;

interface SymbolLike {
  name: string;
  kind: number;
  containerName?: string;
  location: { uri: string; range?: SourceRange };
}

export function definitionsFromSymbols(symbols: readonly SymbolLike[] | null | undefined): Definition[] {
  const found: Definition[] = [];
  for (const symbol of symbols ?? []) {
    if (!symbol.containerName?.startsWith('Pipewright ') || !symbol.location.range) continue;
    const kind = symbol.kind === FUNCTION ? 'step' : symbol.kind === MODULE ? 'pipeline' : undefined;
    if (kind) found.push({ kind, name: symbol.name, uri: symbol.location.uri, range: symbol.location.range });
  }
  return found;
}
