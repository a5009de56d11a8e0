// Plain data shared by the brief parser, validator, fixes and editor helpers. Positions follow LSP: 0-based
// lines and UTF-16 characters (JavaScript string indices), so the extension maps them 1:1 to vscode types.

import type { Position, Range } from '../textRange';

export type { Position, Range };

/** Same shape as an LSP / vscode TextEdit: replace `range` with `newText` (an empty range inserts). */
export interface TextEdit {
  range: Range;
  newText: string;
}

export type Severity = 'error' | 'warning' | 'info';

export type BriefCode =
  | 'MB001'
  | 'MB002'
  | 'MB003'
  | 'MB004'
  | 'MB005'
  | 'MB006'
  | 'MB007'
  | 'MB010'
  | 'MB011'
  | 'MB012'
  | 'MB013'
  | 'MB014'
  | 'MB020'
  | 'MB030'
  | 'MB031'
  | 'MB032'
  | 'MB033'
  | 'MB040'
  | 'MB041'
  | 'MB042'
  | 'MB050'
  | 'MB051'
  | 'MB052'
  | 'MB053'
  | 'MB060'
  | 'MB090';

/** What a fix needs to know beyond code and range; JSON-safe so it survives a round trip through an editor. */
export interface FindingData {
  /** Canonical section name (MB001–MB006, MB020, MB060). */
  section?: string;
  /** 0-based line of a heading the fix should rename instead of inserting a new section (MB001, MB005). */
  renameLine?: number;
  /** Dotted front-matter path (MB011–MB013, MB030–MB032 on `output`). */
  key?: string;
  /** Allowed values for the key (MB013). */
  allowed?: string[];
  /** The closest valid value, key, section, persona or skill. */
  suggestion?: string;
  /** Secret name (MB040, MB042) or the name suggested for a pasted value (MB041). */
  secret?: string;
  /** Kind of secret value detected (MB041). */
  secretKind?: string;
  /** The offending path as written (MB030–MB032). */
  path?: string;
}

export interface Finding {
  code: BriefCode;
  severity: Severity;
  range: Range;
  message: string;
  /** https://github.com/agent-federation/agent-federation/blob/main/docs/brief-rules.md#mb0xx */
  docUrl: string;
  data?: FindingData;
}

export interface QuickFix {
  title: string;
  code: BriefCode;
  edits: TextEdit[];
  /** The fix an editor should offer first (vscode CodeAction.isPreferred). */
  isPreferred: boolean;
  /** Part of "fix all": deterministic and never widens what the agent may do. */
  safe: boolean;
}

/** The federation's persona registry as the validator needs it; the core never reads files itself. */
export interface BriefRegistry {
  personas: { id: string; skills: string[] }[];
  /**
   * The queue's tasks, for `task:` (MB052, MB053); without it those are not checked. `worktree` is the path of the
   * task's live worktree when it has one that exists.
   */
  tasks?: { id: string; worktree?: string }[];
  /** config.yaml's worktrees.enabled (MB053). */
  worktreesEnabled?: boolean;
}

export interface BriefOptions {
  registry?: BriefRegistry;
}
