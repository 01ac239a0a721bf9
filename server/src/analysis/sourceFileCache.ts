import ts from 'typescript';

/**
 * The parsed files of one project, shared by the name resolver and the typed program (so a node
 * found by one can be asked about with the other, and an unchanged file is parsed once). Open
 * documents' text (`openText`) wins over the disk.
 */
export class SourceFileCache {
  private readonly parsed = new Map<string, ts.SourceFile>();

  constructor(private readonly openText: (file: string) => string | undefined) {}

  /**
   * The file parsed (with parent pointers: the analysis walks up trees nobody has bound), reparsed
   * only when its text or its module format (ESM or CommonJS, which changes how its imports
   * resolve) changed. The script target only matters to the scanner's identifier tables, so a
   * file parsed for the resolver serves the typed program as it is: they must share one object.
   */
  get(file: string, options: ts.CreateSourceFileOptions): ts.SourceFile | undefined {
    const known = this.parsed.get(file);
    if (known && known.impliedNodeFormat === options.impliedNodeFormat) return known;
    const text = this.text(file);
    if (text === undefined) return undefined;
    const parsed = ts.createSourceFile(file, text, options, true);
    this.parsed.set(file, parsed);
    return parsed;
  }

  /** The file as last parsed, if it was. */
  known(file: string): ts.SourceFile | undefined {
    return this.parsed.get(file);
  }

  /** The file's text changed (or it was deleted): the next program parses it anew. */
  forget(file: string): void {
    this.parsed.delete(file);
  }

  text(file: string): string | undefined {
    return this.openText(file) ?? this.parsed.get(file)?.text ?? ts.sys.readFile(file);
  }

  exists(file: string): boolean {
    return this.openText(file) !== undefined || this.parsed.has(file) || ts.sys.fileExists(file);
  }
}
