// Brief diagnostics: as you type (debounced, stale results dropped) for open briefs, and for every brief in the
// workspace at start-up and when files change, so the Problems panel lists briefs that are not open.
import * as vscode from 'vscode';
import { BRIEF_GLOB, BriefOptions, isBriefFileName, validateBrief } from '../../core/brief';
import { Logger } from '../../core/ports';
import { type FindingLike, toDiagnostic } from './convert';
import { describeError } from '../../core/errors';
import { Disposable } from '../lifecycle';

const TYPING_DEBOUNCE_MS = 200;

/** Extra findings that need the workspace (files a brief names above the agent's clearance). */
export type ExtraFindings = (text: string, file: string) => Promise<FindingLike[]>;

export class BriefDiagnostics extends Disposable {
  readonly collection = this._register(vscode.languages.createDiagnosticCollection('mission-brief'));
  /** Set by the composition root once a workspace folder is known. */
  extra: ExtraFindings | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: () => BriefOptions, private readonly logger: Logger) {
    super();
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this.validateDocument(d)));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)));
    this._register(
      vscode.workspace.onDidCloseTextDocument((d) => {
        // A closed brief keeps its diagnostics from disk (the Problems panel lists every brief).
        if (isBrief(d.uri)) void this.validateFile(d.uri);
      }),
    );
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(BRIEF_GLOB));
    this._register(watcher.onDidCreate((u) => void this.validateFile(u)));
    this._register(
      watcher.onDidChange((u) => {
        if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === u.toString())) void this.validateFile(u);
      }),
    );
    this._register(watcher.onDidDelete((u) => this.collection.delete(u)));
    for (const d of vscode.workspace.textDocuments) this.validateDocument(d);
  }

  /** Every brief in the workspace; run after activation, never during it. */
  async validateWorkspace(): Promise<number> {
    const uris = await vscode.workspace.findFiles(BRIEF_GLOB, '**/node_modules/**');
    for (const uri of uris) {
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (open) this.validateDocument(open);
      else await this.validateFile(uri);
    }
    return uris.length;
  }

  /** Re-validates everything (the persona registry changed). */
  revalidateAll(): void {
    void this.validateWorkspace();
  }

  private schedule(doc: vscode.TextDocument): void {
    if (!isBrief(doc.uri)) return;
    const key = doc.uri.toString();
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.validateDocument(doc);
      }, TYPING_DEBOUNCE_MS),
    );
  }

  validateDocument(doc: vscode.TextDocument): vscode.Diagnostic[] {
    if (!isBrief(doc.uri) && !(doc.isUntitled && doc.languageId === 'markdown' && /^## Mission\b/m.test(doc.getText()))) return [];
    const version = doc.version;
    const text = doc.getText();
    const diagnostics = validateBrief(text, this.options()).map(toDiagnostic);
    this.collection.set(doc.uri, diagnostics);
    // Clearance findings read the workspace: they land later, and only if the text has not changed meanwhile.
    void this.addExtra(doc.uri, text, diagnostics, () => doc.version === version && !doc.isClosed);
    return diagnostics;
  }

  private async addExtra(uri: vscode.Uri, text: string, base: vscode.Diagnostic[], stillCurrent: () => boolean): Promise<void> {
    if (!this.extra || uri.scheme !== 'file') return;
    try {
      const more = await this.extra(text, uri.fsPath);
      if (more.length > 0 && stillCurrent()) this.collection.set(uri, [...base, ...more.map(toDiagnostic)]);
    } catch (e) {
      this.logger.warn(`clearance check of ${uri.fsPath}: ${describeError(e)}`);
    }
  }

  private async validateFile(uri: vscode.Uri): Promise<void> {
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (open) return void this.validateDocument(open);
      const text = new TextDecoder().decode(bytes);
      const base = validateBrief(text, this.options()).map(toDiagnostic);
      this.collection.set(uri, base);
      await this.addExtra(uri, text, base, () => !vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()));
    } catch (e) {
      this.logger.warn(`validating ${uri.fsPath}: ${describeError(e)}`);
    }
  }

  override dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    super.dispose();
  }
}

export function isBrief(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && isBriefFileName(uri.path.slice(uri.path.lastIndexOf('/') + 1));
}
