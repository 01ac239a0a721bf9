import * as fs from 'node:fs';
import * as path from 'node:path';
import type { QuickFix } from '../../../server/src/analysis/model';

/** Edges as sortable strings, so two DAGs compare regardless of edge order. */
export function edgeKeys(edges: { from: string; fromOutput?: string; to: string; toInput?: string; kind: string }[]): string[] {
  return edges.map((e) => `${e.kind}:${e.from}.${e.fromOutput ?? ''}->${e.to}.${e.toInput ?? ''}`).sort();
}

/** Applies a quick fix's edits to a text (edits do not overlap; applied last first). */
export function applyEdits(source: string, edits: QuickFix['edits']): string {
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStarts.push(i + 1);
  const offset = (p: { line: number; character: number }) => lineStarts[p.line] + p.character;
  let out = source;
  for (const edit of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) {
    out = out.slice(0, offset(edit.range.start)) + edit.newText + out.slice(offset(edit.range.end));
  }
  return out;
}

/**
 * The `// expect: code, code` markers of a fixture, as sorted `code@line` strings (1-based lines),
 * comparable with an analysis's diagnostics.
 */
export function expectedMarkers(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, index) => {
      const match = /\/\/ expect: (.+)$/.exec(line);
      return match ? match[1].split(',').map((code) => `${code.trim()}@${index + 1}`) : [];
    })
    .sort();
}

export const analysisFixture = (...parts: string[]) => path.join(__dirname, '..', '..', 'fixtures', 'analysis', ...parts);
