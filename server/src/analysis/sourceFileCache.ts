import ts from 'typescript';

/** A file the parser could not finish: its text nests deeper than the parser's recursion can follow. */
export interface ParseFailure {
  text: string;
  /** Where the nesting is deepest (0-based offset): the place to show the failure. */
  position: number;
  /** How many brackets deep the text nests there. */
  depth: number;
  message: string;
}

/**
 * The parsed files of one project, shared by the name resolver and the typed program (so a node
 * found by one can be asked about with the other, and an unchanged file is parsed once). Open
 * documents' text (`openText`) wins over the disk.
 */
export class SourceFileCache {
  private readonly parsed = new Map<string, ts.SourceFile>();
  private readonly failed = new Map<string, ParseFailure>();

  constructor(private readonly openText: (file: string) => string | undefined) {}

  /**
   * The file parsed (with parent pointers: the analysis walks up trees nobody has bound), reparsed
   * only when its text or its module format (ESM or CommonJS, which changes how its imports
   * resolve) changed. The script target only matters to the scanner's identifier tables, so a
   * file parsed for the resolver serves the typed program as it is: they must share one object.
   * Undefined when the file cannot be read, or cannot be parsed (`failure` says why).
   */
  get(file: string, options: ts.CreateSourceFileOptions): ts.SourceFile | undefined {
    const known = this.parsed.get(file);
    if (known && known.impliedNodeFormat === options.impliedNodeFormat) return known;
    const text = this.text(file);
    if (text === undefined) return undefined;
    if (this.failed.get(file)?.text === text) return undefined;
    let parsed: ts.SourceFile;
    try {
      parsed = ts.createSourceFile(file, text, options, true);
    } catch (error) {
      // The compiler's parser is recursive: deep enough nesting exhausts the stack (tsc fails on such a file too).
      if (!(error instanceof RangeError)) throw error;
      this.failed.set(file, { text, ...deepestNesting(text), message: error.message });
      return undefined;
    }
    this.failed.delete(file);
    this.parsed.set(file, parsed);
    return parsed;
  }

  /** Why the file's current text could not be parsed, if it could not. */
  failure(file: string): ParseFailure | undefined {
    const failure = this.failed.get(file);
    return failure && failure.text === this.text(file) ? failure : undefined;
  }

  /** The file as last parsed, if it was. */
  known(file: string): ts.SourceFile | undefined {
    return this.parsed.get(file);
  }

  /** The file's text changed (or it was deleted): the next program parses it anew. */
  forget(file: string): void {
    this.parsed.delete(file);
    this.failed.delete(file);
  }

  text(file: string): string | undefined {
    return this.openText(file) ?? this.parsed.get(file)?.text ?? ts.sys.readFile(file);
  }

  exists(file: string): boolean {
    return this.openText(file) !== undefined || this.parsed.has(file) || ts.sys.fileExists(file);
  }
}

/** The offset of the first bracket at the deepest nesting of `(`, `[`, `{` (strings and comments are not told apart: a hint, not a parse). */
function deepestNesting(text: string): { position: number; depth: number } {
  let depth = 0;
  let deepest = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        at = i;
      }
    } else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth -= 1;
  }
  return { position: at, depth: deepest };
}
