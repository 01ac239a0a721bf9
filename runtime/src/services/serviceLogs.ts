import * as fs from 'node:fs';

/** At most this much of a log is returned at once, so a chatty service cannot exhaust memory. */
export const DEFAULT_LOG_BYTES = 1024 * 1024;

/** Appends one line written by the manager (start, exit, restart, stop), marked as such. */
export function appendManagerLine(file: string, line: string): void {
  try {
    fs.appendFileSync(file, `--- ${new Date().toISOString()} pipewright: ${line} ---\n`, { mode: 0o600 });
  } catch {
    // The log is a convenience; a full disk must not stop the manager.
  }
}

/**
 * The end of a log file: the last `tail` lines if given, never more than `maxBytes` (older
 * output is announced, not returned). A missing file reads as empty.
 */
export function readLog(file: string, options: { tail?: number; maxBytes?: number } = {}): string {
  const maxBytes = options.maxBytes ?? DEFAULT_LOG_BYTES;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    // One byte more than shown, to know whether the first line shown starts at a line break.
    const from = Math.max(0, start - 1);
    const buffer = Buffer.alloc(size - from);
    const read = fs.readSync(fd, buffer, 0, buffer.length, from);
    let bytes = buffer.subarray(0, read);
    if (start > 0) {
      // Drop the line (maybe the character) the cut fell into.
      const lineBreak = bytes.indexOf(0x0a);
      bytes = lineBreak === -1 ? bytes.subarray(bytes.length) : bytes.subarray(lineBreak + 1);
    }
    const text = bytes.toString('utf8');
    if (options.tail !== undefined) return lastLines(text, options.tail);
    const hidden = size - bytes.length;
    return hidden > 0 ? `[${hidden} earlier bytes not shown]\n${text}` : text;
  } finally {
    fs.closeSync(fd);
  }
}

function lastLines(text: string, count: number): string {
  if (count <= 0 || text === '') return '';
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return `${lines.slice(-count).join('\n')}\n`;
}
