// Positions in a text file, as editors count them: 0-based lines and UTF-16 characters (JavaScript string
// indices), so the extension maps them 1:1 to vscode types. Shared by every validator of the core.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}
