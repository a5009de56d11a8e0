// Completion, hover, outline, folding, quick fixes and CodeLens for briefs: each one a thin mapping of a pure
// core function (src/core/brief) to the vscode API.
import * as vscode from 'vscode';
import {
  BriefOptions,
  completeBrief,
  documentSymbols,
  fixAll,
  foldingRanges,
  hoverBrief,
  quickFixesInRange,
  type BriefSymbol,
} from '../../core/brief';
import { BRIEF_SELECTOR, DIAGNOSTIC_SOURCE, fromPosition, fromRange, toEdit, toRange } from './convert';
import { isBrief } from './diagnostics';

const COMPLETION_KIND: Record<string, vscode.CompletionItemKind> = {
  section: vscode.CompletionItemKind.Module,
  key: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.EnumMember,
  persona: vscode.CompletionItemKind.User,
  skill: vscode.CompletionItemKind.Keyword,
  secret: vscode.CompletionItemKind.Variable,
  snippet: vscode.CompletionItemKind.Snippet,
};

const SYMBOL_KIND: Record<BriefSymbol['kind'], vscode.SymbolKind> = {
  'front-matter': vscode.SymbolKind.Namespace,
  key: vscode.SymbolKind.Property,
  section: vscode.SymbolKind.Module,
  heading: vscode.SymbolKind.String,
};

export const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('missionBrief');

function toSymbol(s: BriefSymbol): vscode.DocumentSymbol {
  const sym = new vscode.DocumentSymbol(s.name, s.detail, SYMBOL_KIND[s.kind], toRange(s.range), toRange(s.selectionRange));
  sym.children = s.children.map(toSymbol);
  return sym;
}

export function registerBriefProviders(options: () => BriefOptions): vscode.Disposable[] {
  const onlyBriefs = (doc: vscode.TextDocument) => isBrief(doc.uri) || doc.isUntitled;
  return [
    vscode.languages.registerCompletionItemProvider(
      BRIEF_SELECTOR,
      {
        provideCompletionItems(doc, position) {
          if (!onlyBriefs(doc)) return [];
          return completeBrief(doc.getText(), fromPosition(position), options()).map((c) => {
            const item = new vscode.CompletionItem(c.label, COMPLETION_KIND[c.kind] ?? vscode.CompletionItemKind.Text);
            item.insertText = c.snippet ? new vscode.SnippetString(c.insertText) : c.insertText;
            item.range = toRange(c.range);
            if (c.detail) item.detail = c.detail;
            if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
            if (c.sortText) item.sortText = c.sortText;
            return item;
          });
        },
      },
      '#', ':', ' ', '/', '$', '{',
    ),
    vscode.languages.registerHoverProvider(BRIEF_SELECTOR, {
      provideHover(doc, position) {
        if (!onlyBriefs(doc)) return undefined;
        const h = hoverBrief(doc.getText(), fromPosition(position), options());
        return h ? new vscode.Hover(new vscode.MarkdownString(h.markdown), toRange(h.range)) : undefined;
      },
    }),
    vscode.languages.registerDocumentSymbolProvider(
      BRIEF_SELECTOR,
      { provideDocumentSymbols: (doc) => (onlyBriefs(doc) ? documentSymbols(doc.getText()).map(toSymbol) : []) },
      { label: 'Mission Brief' },
    ),
    vscode.languages.registerFoldingRangeProvider(BRIEF_SELECTOR, {
      provideFoldingRanges: (doc) =>
        onlyBriefs(doc)
          ? foldingRanges(doc.getText()).map(
              (f) => new vscode.FoldingRange(f.startLine, f.endLine, f.kind === 'comment' ? vscode.FoldingRangeKind.Comment : f.kind === 'region' ? vscode.FoldingRangeKind.Region : undefined),
            )
          : [],
    }),
    vscode.languages.registerCodeActionsProvider(
      BRIEF_SELECTOR,
      {
        provideCodeActions(doc, range, context) {
          if (!onlyBriefs(doc)) return [];
          const actions: vscode.CodeAction[] = [];
          const wantsFixAll = !context.only || context.only.contains(FIX_ALL_KIND) || FIX_ALL_KIND.contains(context.only);
          if (!context.only || context.only.contains(vscode.CodeActionKind.QuickFix) || vscode.CodeActionKind.QuickFix.contains(context.only)) {
            const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
            for (const { finding, fixes } of quickFixesInRange(doc.getText(), fromRange(range), options())) {
              const diag = ours.find((d) => (typeof d.code === 'object' ? d.code.value : d.code) === finding.code && d.range.isEqual(toRange(finding.range)));
              for (const fix of fixes) {
                const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
                action.edit = new vscode.WorkspaceEdit();
                action.edit.set(doc.uri, fix.edits.map(toEdit));
                action.isPreferred = fix.isPreferred;
                if (diag) action.diagnostics = [diag];
                actions.push(action);
              }
            }
          }
          if (wantsFixAll) {
            const all = fixAll(doc.getText(), options());
            if (all.fixed > 0) {
              const action = new vscode.CodeAction(`Fix all safe brief problems (${all.fixed})`, FIX_ALL_KIND);
              action.edit = new vscode.WorkspaceEdit();
              action.edit.set(doc.uri, all.edits.map(toEdit));
              actions.push(action);
            }
          }
          return actions;
        },
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, FIX_ALL_KIND] },
    ),
    vscode.languages.registerCodeLensProvider(BRIEF_SELECTOR, {
      provideCodeLenses(doc) {
        if (!isBrief(doc.uri)) return [];
        const top = new vscode.Range(0, 0, 0, 0);
        return [
          new vscode.CodeLens(top, { title: '$(check) Validate', command: 'agentFederation.validateBrief', arguments: [doc.uri] }),
          new vscode.CodeLens(top, { title: '$(rocket) Deploy agent', command: 'agentFederation.agents.deploy', arguments: [doc.uri] }),
          new vscode.CodeLens(top, { title: '$(package) Build bootstrap package', command: 'agentFederation.previewBootstrapPackage', arguments: [doc.uri] }),
        ];
      },
    }),
  ];
}
