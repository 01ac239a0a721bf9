/**
 * LSP position encodings: a position's `character` counts UTF-16 code units by default, UTF-8
 * bytes when the client and server agreed on `utf-8` (LSP 3.17 `positionEncoding`). The analysis
 * and the document store count UTF-16 (as JavaScript strings do); this converts at the wire.
 */
export type PositionEncoding = 'utf-8' | 'utf-16';

interface Position {
  line: number;
  character: number;
}
interface Range {
  start: Position;
  end: Position;
}

/** UTF-8 when the client offers it, else UTF-16 (which every client must support). */
export function negotiateEncoding(offered: readonly string[] | undefined): PositionEncoding {
  return offered?.includes('utf-8') ? 'utf-8' : 'utf-16';
}

/** The text of line `line` (without its line break), or '' past the end. */
function lineOf(text: string, line: number): string {
  let start = 0;
  for (let i = 0; i < line; i++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return '';
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end).replace(/\r$/, '');
}

/** UTF-8 bytes of the first `units` UTF-16 code units of `line`. */
function utf8Length(line: string, units: number): number {
  return Buffer.byteLength(line.slice(0, Math.min(units, line.length)), 'utf8') + Math.max(0, units - line.length);
}

/** UTF-16 code units of the first `bytes` UTF-8 bytes of `line` (a byte inside a character counts to its end). */
function utf16Length(line: string, bytes: number): number {
  let used = 0;
  let units = 0;
  for (const char of line) {
    if (used >= bytes) return units;
    used += Buffer.byteLength(char, 'utf8');
    units += char.length;
  }
  return units + Math.max(0, bytes - used);
}

/**
 * Converts positions between the wire's encoding and UTF-16, given the text of a document by URI
 * (unknown text leaves positions as they are: nothing better can be done).
 */
export class PositionConverter {
  constructor(
    readonly encoding: PositionEncoding,
    private readonly textOf: (uri: string) => string | undefined,
  ) {}

  /** A position the client sent, as UTF-16. */
  incoming(uri: string, position: Position): Position {
    if (this.encoding === 'utf-16') return position;
    const text = this.textOf(uri);
    return text === undefined ? position : { line: position.line, character: utf16Length(lineOf(text, position.line), position.character) };
  }

  incomingRange(uri: string, range: Range): Range {
    return this.encoding === 'utf-16' ? range : { start: this.incoming(uri, range.start), end: this.incoming(uri, range.end) };
  }

  /** A UTF-16 position, as the client counts. */
  outgoing(uri: string, position: Position): Position {
    if (this.encoding === 'utf-16') return position;
    const text = this.textOf(uri);
    return text === undefined ? position : { line: position.line, character: utf8Length(lineOf(text, position.line), position.character) };
  }

  outgoingRange(uri: string, range: Range): Range {
    return this.encoding === 'utf-16' ? range : { start: this.outgoing(uri, range.start), end: this.outgoing(uri, range.end) };
  }
}
