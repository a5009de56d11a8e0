// Problems in .github/multi-agent-config.yml at the exact place, whether or not the YAML extension is installed
// (with it, the contributed JSON schema adds completion and hover on top).
import * as vscode from 'vscode';
import { MATRIX_CONFIG_FILE, dockerFindings, planMatrix, validateMatrixConfig } from '../../core/matrix';
import type { FileSystem } from '../../core/ports';
import { matrixIsolation } from '../settings';
import { Disposable } from '../lifecycle';

export class MatrixConfigDiagnostics extends Disposable {
  readonly collection = this._register(vscode.languages.createDiagnosticCollection('multi-agent-config'));
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly root: string, private readonly fs: FileSystem) {
    super();
    const isConfig = (uri: vscode.Uri) => uri.scheme === 'file' && uri.fsPath === vscode.Uri.joinPath(vscode.Uri.file(root), MATRIX_CONFIG_FILE).fsPath;
    this._register(vscode.workspace.onDidOpenTextDocument((d) => isConfig(d.uri) && this.validateText(d.uri, d.getText())));
    this._register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (!isConfig(e.document.uri)) return;
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => this.validateText(e.document.uri, e.document.getText()), 200);
      }),
    );
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), MATRIX_CONFIG_FILE)));
    this._register(watcher.onDidCreate((u) => void this.validateFile(u)));
    this._register(watcher.onDidChange((u) => void this.validateFile(u)));
    this._register(watcher.onDidDelete((u) => this.collection.delete(u)));
    // Docker isolation adds its own errors (a task without image, a symlinked module): shown or cleared as the setting changes.
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('agentFederation.matrix.isolation') && void this.validateFile()));
  }

  async validateFile(uri = vscode.Uri.joinPath(vscode.Uri.file(this.root), MATRIX_CONFIG_FILE)): Promise<void> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return this.validateText(uri, open.getText());
    try {
      this.validateText(uri, new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
    } catch {
      this.collection.delete(uri);
    }
  }

  validateText(uri: vscode.Uri, text: string): void {
    const file = vscode.workspace.asRelativePath(uri);
    const { config, findings } = validateMatrixConfig(text, file);
    if (config && matrixIsolation() === 'docker') {
      findings.push(...dockerFindings(this.fs, text, file, config, planMatrix(config), this.root));
    }
    this.collection.set(
      uri,
      findings.map((f) => {
        const d = new vscode.Diagnostic(
          new vscode.Range(f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character),
          f.message,
          f.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
        );
        d.source = 'multi-agent-config';
        d.code = { value: f.code, target: vscode.Uri.parse('https://github.com/agent-federation/agent-federation/blob/main/docs/matrix.md') };
        return d;
      }),
    );
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    super.dispose();
  }
}
