/** A position in a source file, 1-based line and column, as printed in compiler errors. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export function formatLocation(location: SourceLocation | undefined): string {
  return location ? `${location.file}:${location.line}:${location.column}` : '<unknown location>';
}
