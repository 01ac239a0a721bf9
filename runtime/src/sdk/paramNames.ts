/**
 * Reads a function's parameter list from its source text (as the runtime sees it: plain
 * JavaScript after esbuild or tsx stripped the types). Static analysis finds the same names
 * from the TypeScript source, so the two agree on input names.
 */
export interface ParamInfo {
  name: string;
  hasDefault: boolean;
  rest: boolean;
}

export function readParams(fn: (...args: never[]) => unknown): ParamInfo[] {
  const text = Function.prototype.toString.call(fn);
  const list = paramListText(text);
  if (list === undefined) return [];
  return splitTopLevel(list)
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part, index) => parseParam(part, index));
}

function paramListText(text: string): string | undefined {
  const arrow = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(text);
  if (arrow) return arrow[1];
  const open = text.indexOf('(');
  if (open < 0) return undefined;
  const close = matchingParen(text, open);
  return close < 0 ? undefined : text.slice(open + 1, close);
}

/** Index of the `)` closing the `(` at `open`, skipping strings, templates and comments. */
function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      i = skipString(text, i);
    } else if (ch === '/' && text[i + 1] === '/') {
      i = text.indexOf('\n', i);
      if (i < 0) return -1;
    } else if (ch === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2) + 1;
      if (i <= 0) return -1;
    } else if (ch === '(' || ch === '[' || ch === '{') {
      depth++;
    } else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function skipString(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === '"' || ch === "'" || ch === '`') i = skipString(list, i);
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(list.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(list.slice(from));
  return parts;
}

function parseParam(part: string, index: number): ParamInfo {
  const cleaned = part.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').trim();
  const rest = cleaned.startsWith('...');
  const body = rest ? cleaned.slice(3).trim() : cleaned;
  const identifier = /^([A-Za-z_$][\w$]*)/.exec(body);
  const name = identifier ? identifier[1] : `arg${index}`;
  const afterName = identifier ? body.slice(identifier[1].length) : body;
  return { name, hasDefault: /^\s*(?::[^=]*)?=/.test(afterName) || (!identifier && /=/.test(body)), rest };
}
