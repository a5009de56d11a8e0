// The shapes of a bootstrap package and its manifest. JSON-safe: the manifest is written as manifest.json, printed
// by `federation package … --json` and shown by the editor's preview.
import type { LabelSource } from './labels';
import type { Consumer, Level, OperatorLevel } from './model';
import type { WorkspaceOptions } from './workspace';

/** What to build, and from which workspace (a root on the disk, or a WorkspaceFs). */
export type PackageOptions = PackageRequest & WorkspaceOptions;

export interface PackageRequest {
  consumer: Consumer;
  /** The persona the package is for (required for parallel-terminal). */
  persona?: string;
  /** Workspace-relative path of the mission brief (required for remote-agent); absolute paths must lie inside root. */
  brief?: string;
  /** The brief's text when it differs from the file (an unsaved editor); the file's path still decides path rules. */
  briefText?: string;
  /** The operator's level, from a setting a workspace cannot raise (the editor) or --operator-level (the CLI). */
  operatorLevel: OperatorLevel;
}

export interface PackageFile {
  /** Relative to the package folder, forward slashes: BOOTSTRAP.md, MISSION_BRIEF.md, workspace/docs/a.md. */
  path: string;
  content: string;
}

export type ExclusionReason =
  /** Labelled above what this consumer may see (or above what the operator may include). */
  | 'above-clearance'
  /** C3: never inlined into any package; at most named by reference. */
  | 'confidential'
  /** Malformed front matter or an unknown label: counts as C3. */
  | 'unreadable-label'
  /** A path with "..": never followed. */
  | 'traversal'
  /** An absolute path: only workspace paths are packaged. */
  | 'absolute-path'
  /** A link whose target is outside the workspace. */
  | 'symlink-outside'
  | 'link-loop'
  /** .git, other agents' folders, earlier packages. */
  | 'never-packaged'
  | 'not-found'
  /** A folder reached where a file was expected (a link to a folder inside a walked folder). */
  | 'not-a-file'
  /** Cannot be checked for secret values. */
  | 'binary'
  | 'too-large'
  | 'unreadable';

export interface IncludedEntry {
  /** Where the content is in the package (BOOTSTRAP.md for content inlined into it). */
  path: string;
  /** Workspace-relative source; null for generated files. */
  source: string | null;
  level: Level;
  label: LabelSource | 'generated';
  /** The path rule that decided the level. */
  rule?: string;
  /** Why it is in: which reference, skill, handoff, … brought it. */
  via: string[];
  /** Content copied into BOOTSTRAP.md rather than shipped as its own file. */
  inlined?: boolean;
  /** Of the content as packaged (after redaction). */
  bytes: number;
  sha256: string;
  redactions: number;
}

export interface ExcludedEntry {
  /** Workspace-relative path, or the reference as written when it never became a workspace path. */
  source: string;
  reason: ExclusionReason;
  /** The file's level when it was read (unreadable labels count as C3). */
  level?: Level;
  label?: LabelSource;
  rule?: string;
  via: string[];
  /** Something asked for explicitly and refused on security grounds: the package is refused (manifest.ok false). */
  blocking: boolean;
  /** C3 that stays where it is and may be named by reference (local session, L3 operator): never its content. */
  byReference?: boolean;
  detail: string;
}

export interface SecretMount {
  name: string;
  /** Where the agent finds the value: mounted read-only, never in the package. */
  mount: string;
  granted: boolean;
  detail?: string;
}

export interface Redaction {
  /** The package file the value was removed from. */
  path: string;
  /** The workspace file it came from (null for generated text). */
  source: string | null;
  /** 1-based, in the source text before redaction. */
  line: number;
  column: number;
  kind: string;
  label: string;
}

export interface PackageManifest {
  format: 'agent-federation.bootstrap-package/1';
  consumer: Consumer;
  persona: string | null;
  brief: string | null;
  operatorLevel: OperatorLevel;
  clearance: {
    consumer: Level | 'operator';
    operatorCeiling: Level;
    /** The highest level in this package. */
    effective: Level;
    /** Whether C3 may be passed by reference (secret mounts). */
    references: boolean;
  };
  /** The six questions BOOTSTRAP.md answers, in order. */
  layout: readonly string[];
  /** False when something asked for explicitly was refused: writePackage refuses, the CLI exits 1. */
  ok: boolean;
  refusals: string[];
  included: IncludedEntry[];
  excluded: ExcludedEntry[];
  secrets: SecretMount[];
  redactions: Redaction[];
  /** Path rules of config.yaml that were ignored (absolute or ".." globs). */
  ignoredRules: { glob: string; reason: string }[];
  notes: string[];
}

export interface BootstrapPackage {
  files: PackageFile[];
  manifest: PackageManifest;
}
