// The reverse of a source map, as a debugger needs it to bind a breakpoint: which generated line
// holds the code of an original file's line.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface SourceMapPayload {
  sources: string[];
  sourceRoot?: string;
  mappings: string;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 VLQ numbers of one mapping segment. */
function decodeSegment(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

/**
 * The first generated line (0-based) mapped to line `line` (1-based) of `file`, or undefined when
 * the map does not name the file or has no code of that line. Sources are resolved against the
 * map's `sourceRoot`, as a debugger resolves them.
 */
export function generatedLine(map: SourceMapPayload, file: string, line: number): number | undefined {
  const wanted = pathToFileURL(path.resolve(file)).href;
  const sourceIndex = map.sources.findIndex((source) => new URL(source, map.sourceRoot || pathToFileURL(path.sep).href).href === wanted);
  if (sourceIndex < 0) return undefined;
  let source = 0;
  let originalLine = 0;
  const lines = map.mappings.split(';');
  for (const [generated, text] of lines.entries()) {
    for (const segment of text.split(',')) {
      if (segment === '') continue;
      const fields = decodeSegment(segment);
      if (fields.length < 3) continue;
      source += fields[1];
      originalLine += fields[2];
      if (source === sourceIndex && originalLine === line - 1) return generated;
    }
  }
  return undefined;
}
