/**
 * How an artifact opens in the editor, from its stored bytes and materializer: JSON
 * pretty-printed, an array of records as a table (its first rows, each column's types), text as
 * text, images as images, other bytes offered for "Save As". Pure (no vscode).
 */
import { formatBytes } from '../../contracts/src/byteSize';

export type ArtifactView =
  /** Shown as a read-only document; `extension` picks its language. */
  | { kind: 'document'; extension: 'json' | 'txt'; text: string }
  | { kind: 'image'; extension: 'png' | 'jpg' | 'gif' | 'webp' | 'svg' }
  | { kind: 'bytes'; summary: string };

/** Rows a table shows. */
export const TABLE_ROWS = 20;
/** Widest a table cell is drawn (longer values are cut with an ellipsis). */
const CELL_WIDTH = 40;

export function artifactView(bytes: Uint8Array, materializer: string, what: string): ArtifactView {
  const base = materializer.replace(/@\d+$/, '');
  if (base === 'text') return { kind: 'document', extension: 'txt', text: utf8(bytes) };
  if (base === 'json' || base === 'structured') {
    let value: unknown;
    try {
      value = JSON.parse(utf8(bytes));
    } catch {
      return { kind: 'bytes', summary: `${what} (${materializer}, ${formatBytes(bytes.length)}) is not valid JSON` };
    }
    const table = recordTable(value, base === 'structured');
    return { kind: 'document', extension: table === undefined ? 'json' : 'txt', text: table ?? `${JSON.stringify(value, null, 2)}\n` };
  }
  const image = imageKind(bytes);
  if (image) return { kind: 'image', extension: image };
  return { kind: 'bytes', summary: `${what} is ${formatBytes(bytes.length)} of binary data (${materializer || 'unknown materializer'})` };
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

/** By the file's magic number. */
export function imageKind(bytes: Uint8Array): 'png' | 'jpg' | 'gif' | 'webp' | 'svg' | undefined {
  const starts = (...sig: number[]) => sig.every((byte, i) => bytes[i] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'webp';
  const head = utf8(bytes.subarray(0, 256)).trimStart();
  if (/^(<\?xml[^>]*>\s*)?<svg[\s>]/.test(head)) return 'svg';
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON type of a cell (`structured` values are tagged `{ $pw: kind }`: their kind). */
function cellType(value: unknown, structured: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (structured && isRecord(value) && typeof value.$pw === 'string') return value.$pw;
  return typeof value;
}

function cellText(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined';
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > CELL_WIDTH ? `${flat.slice(0, CELL_WIDTH - 1)}…` : flat;
}

/**
 * An aligned text table of a non-empty array whose items are all records: a line of counts, the
 * column names, each column's types (`number`, `string | null`), then the first rows.
 */
export function recordTable(value: unknown, structured = false): string | undefined {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isRecord)) return undefined;
  const rows = value as Record<string, unknown>[];
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  if (columns.length === 0) return undefined;
  const types = columns.map((column) => [...new Set(rows.map((row) => (column in row ? cellType(row[column], structured) : 'missing')))].join(' | '));
  const shown = rows.slice(0, TABLE_ROWS).map((row) => columns.map((column) => (column in row ? cellText(row[column]) : '')));
  const widths = columns.map((column, i) => Math.max(column.length, types[i].length, ...shown.map((cells) => cells[i].length)));
  const format = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  const lines = [
    `${rows.length} row${rows.length === 1 ? '' : 's'} · ${columns.length} column${columns.length === 1 ? '' : 's'}${rows.length > TABLE_ROWS ? ` · the first ${TABLE_ROWS} rows` : ''}`,
    '',
    format(columns),
    format(types),
    format(widths.map((width) => '─'.repeat(width))),
    ...shown.map(format),
  ];
  if (rows.length > TABLE_ROWS) lines.push(`… ${rows.length - TABLE_ROWS} more`);
  return `${lines.join('\n')}\n`;
}
