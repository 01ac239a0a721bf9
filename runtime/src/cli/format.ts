/** Short human forms of values the CLI prints: sizes, hashes, times, parameter values. */
import { inspect } from 'node:util';
import { decodeStructured, isPlainJson } from '../artifacts/structured';

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** The first 12 hex digits of a content hash: enough to tell artifacts apart at a glance. */
export function hashPrefix(hash: string): string {
  return hash.slice(0, 12);
}

/** `2026-12-01 11:05:22` in the local time zone. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** A stored parameter (safe structured encoding) as one line: JSON for plain data, else Node's inspection; long values cut. */
export function formatParameter(stored: unknown, max = 120): string {
  let text: string;
  try {
    const value = decodeStructured(stored);
    text = isPlainJson(value) ? JSON.stringify(value) : inspect(value, { breakLength: Infinity, depth: 3 });
  } catch {
    text = JSON.stringify(stored);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
