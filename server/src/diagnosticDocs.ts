import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * docs/diagnostics.md, one section per diagnostic code (its heading is the code, so the code is
 * its anchor). The server bundle runs from `dist/server/`; the document ships beside it in the
 * extension (and sits two folders up in a clone).
 */
const DOCS = path.resolve(__dirname, '..', '..', 'docs', 'diagnostics.md');

/** The `codeDescription` link of a diagnostic code: its section in docs/diagnostics.md. */
export function diagnosticDocsUrl(code: string): string {
  return `${pathToFileURL(DOCS).toString()}#${code}`;
}
