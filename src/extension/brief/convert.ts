// Plain core types (LSP-shaped, 0-based) to vscode types and back.
import * as vscode from 'vscode';
import type { Finding, Position, Range, Severity, TextEdit } from '../../core/brief';

export const BRIEF_SELECTOR: vscode.DocumentSelector = [
  { language: 'markdown', scheme: 'file', pattern: '**/{MISSION_BRIEF.md,MISSION_BRIEF.*.md,*.brief.md}' },
  { language: 'markdown', scheme: 'untitled' },
];

export const DIAGNOSTIC_SOURCE = 'mission-brief';

export function toPosition(p: Position): vscode.Position {
  return new vscode.Position(p.line, p.character);
}

export function toRange(r: Range): vscode.Range {
  return new vscode.Range(toPosition(r.start), toPosition(r.end));
}

export function fromPosition(p: vscode.Position): Position {
  return { line: p.line, character: p.character };
}

export function fromRange(r: vscode.Range): Range {
  return { start: fromPosition(r.start), end: fromPosition(r.end) };
}

export function toEdit(e: TextEdit): vscode.TextEdit {
  return new vscode.TextEdit(toRange(e.range), e.newText);
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Anything finding-shaped: the validator's MB codes and the package builder's PK clearance codes alike. */
export type FindingLike = Pick<Finding, 'severity' | 'range' | 'message' | 'docUrl'> & { code: string };

export function toDiagnostic(f: FindingLike): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toRange(f.range), f.message, SEVERITY[f.severity]);
  d.source = DIAGNOSTIC_SOURCE;
  // The code links to the rule's documentation, as markdownlint and ESLint do.
  d.code = { value: f.code, target: vscode.Uri.parse(f.docUrl) };
  return d;
}
