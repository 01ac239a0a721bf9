/**
 * URLs of a database store (`postgres://user:password@host:port/db`): how one is told from a
 * folder, what is wrong with one, and how it is shown (never with its password).
 */

/** Whether `text` is written as a URL (`scheme://...`) rather than a folder. */
export function looksLikeUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim());
}

/** `url` with any password replaced, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** What makes `url` no PostgreSQL store URL (said after the name of where it came from), or undefined when it is one. */
export function storeUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `is not a URL: ${redactUrl(url)}`;
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return `must start with postgres:// or postgresql://, got ${redactUrl(url)}`;
  return undefined;
}
