/**
 * Maps a position in a run's bundle (`.pipewright/bundles/<hash>.cjs`, built with an inline
 * source map) back to the author's file, for stack frames the runner left unmapped. Pure: the
 * bundle's text is passed in. Source map v3, `mappings` in base64 VLQ.
 */
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

interface RawMap {
  sources: string[];
  sourceRoot?: string;
  mappings: string;
}

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    if (digit < 0) return values;
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/** The inline source map of a bundle's text, if it has one. */
export function inlineSourceMap(text: string): RawMap | undefined {
  const match = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(text);
  if (!match) return undefined;
  try {
    const map = JSON.parse(Buffer.from(match[1], 'base64').toString('utf8')) as RawMap;
    return Array.isArray(map.sources) && typeof map.mappings === 'string' ? map : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The original source, line and column (1-based, as in stacks) of a 1-based bundle position: the
 * last mapping at or before the column on its line. `sources` are returned as the map has them.
 */
export function originalPosition(map: RawMap, line: number, column: number): { source: string; line: number; column: number } | undefined {
  const lines = map.mappings.split(';');
  let source = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  for (let index = 0; index < lines.length && index < line; index++) {
    let generated = 0;
    let best: { source: number; line: number; column: number } | undefined;
    for (const segment of lines[index].split(',')) {
      if (segment === '') continue;
      const values = decodeVlq(segment);
      generated += values[0];
      if (values.length < 4) continue;
      source += values[1];
      sourceLine += values[2];
      sourceColumn += values[3];
      if (index === line - 1 && generated <= column - 1) best = { source, line: sourceLine, column: sourceColumn };
    }
    if (index === line - 1 && best) return { source: `${map.sourceRoot ?? ''}${map.sources[best.source]}`, line: best.line + 1, column: best.column + 1 };
  }
  return undefined;
}

/** A frame's position in the author's file; `readFile` gives a bundle's text (maps are read once per bundle). */
export function bundleFrameMapper(readFile: (file: string) => string | undefined): (file: string, line: number, column: number) => { file: string; line: number; column: number } | undefined {
  const maps = new Map<string, RawMap | undefined>();
  return (file, line, column) => {
    if (!/[\\/]bundles[\\/][^\\/]+\.cjs$/.test(file)) return undefined;
    if (!maps.has(file)) {
      const text = readFile(file);
      maps.set(file, text === undefined ? undefined : inlineSourceMap(text));
    }
    const map = maps.get(file);
    const position = map && originalPosition(map, line, column);
    if (!position) return undefined;
    const source = position.source.startsWith('file://') ? decodeURIComponent(new URL(position.source).pathname) : position.source;
    return { file: source, line: position.line, column: position.column };
  };
}
