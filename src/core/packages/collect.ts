// Decides file by file what goes into a package: resolves a reference safely, reads and labels the file, checks
// the label against the clearance, redacts secret values, and records every decision for the manifest.
import { createHash } from 'node:crypto';
import { findSecretValues } from '../brief';
import { matchesGlob } from '../glob';
import { Label } from './labels';
import { Clearance, Level, article, maxLevel, rank } from './model';
import { Reference } from './references';
import { ExcludedEntry, ExclusionReason, IncludedEntry, Redaction } from './types';
import { PACKAGE_LAYOUT, Workspace, checkReference } from './workspace';

/** Refused on security grounds: when the thing was asked for explicitly, the whole package is refused. */
const SECURITY_REASONS = new Set<ExclusionReason>(['above-clearance', 'confidential', 'unreadable-label', 'traversal', 'symlink-outside', 'never-packaged']);

export interface Considered {
  /** The workspace path it was reached by. */
  source: string;
  /** The file's text as read (before redaction): for parsing state files. */
  raw: string;
  /** As packaged. */
  text: string;
  level: Level;
  packagePath: string;
}

export interface ConsiderOptions {
  via: string;
  /** Named on its own by a brief or needed by the package (the persona registry): refusing it refuses the package. */
  explicit: boolean;
  /** 'file': shipped as its own package file; 'inline': its content goes into BOOTSTRAP.md. */
  mode: 'file' | 'inline';
  /** Package path for mode 'file'; default workspace/<path>. */
  packagePath?: string;
  /** A candidate that simply may not exist (an optional instructions file): no manifest entry when missing. */
  quietMissing?: boolean;
  /** Use this text instead of the file's (an unsaved brief). */
  textOverride?: string;
}

export function redactText(text: string): { text: string; found: { line: number; column: number; kind: string; label: string }[] } {
  const matches = findSecretValues(text);
  if (matches.length === 0) return { text, found: [] };
  const found = matches.map((m) => {
    const before = text.slice(0, m.start);
    const line = before.split('\n').length;
    return { line, column: m.start - before.lastIndexOf('\n'), kind: m.kind, label: m.label };
  });
  let out = '';
  let last = 0;
  for (const m of matches) {
    if (m.start < last) continue;
    out += `${text.slice(last, m.start)}[REDACTED:${m.kind}]`;
    last = m.end;
  }
  return { text: out + text.slice(last), found };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

type Stored = IncludedEntry & { raw: string; content: string };

export class Collector {
  private readonly included = new Map<string, Stored>();
  private readonly excluded = new Map<string, ExcludedEntry>();
  readonly redactions: Redaction[] = [];
  readonly notes: string[] = [];

  constructor(
    readonly ws: Workspace,
    readonly clearance: Clearance,
    /** May C3 files be named by reference (a local session of an L3 operator)? */
    private readonly namesC3: boolean,
  ) {}

  /** One workspace path (already checked by checkReference or built by the core). */
  async consider(reached: string, o: ConsiderOptions): Promise<Considered | undefined> {
    // A file shipped under a path of its own (the brief as MISSION_BRIEF.md) is a separate entry from its workspace copy.
    const key = o.packagePath ? `${o.mode}:${o.packagePath}:${reached}` : `${o.mode}:${reached}`;
    const have = this.included.get(key);
    if (have) {
      addVia(have.via, o.via);
      return { source: reached, raw: have.raw, text: have.content, level: have.level, packagePath: have.path };
    }
    const was = this.excluded.get(key);
    if (was) {
      addVia(was.via, o.via);
      if (o.explicit && SECURITY_REASONS.has(was.reason)) was.blocking = true;
      return undefined;
    }
    const r = await this.ws.resolve(reached);
    if (!r.ok) {
      if (o.quietMissing && r.reason === 'not-found') return undefined;
      this.exclude(key, { source: reached, reason: r.reason, via: [o.via], detail: r.detail }, o.explicit);
      return undefined;
    }
    if (r.kind !== 'file') {
      this.exclude(key, { source: reached, reason: 'not-a-file', via: [o.via], detail: `${reached} is a folder` }, o.explicit);
      return undefined;
    }
    let raw: string;
    if (o.textOverride !== undefined) raw = o.textOverride;
    else {
      const read = await this.ws.readText(r.real, r.entry);
      if (!read.ok) {
        const label = this.ws.label(reached, r.real, undefined);
        this.exclude(key, { source: reached, reason: read.reason, ...labelFields(label), via: [o.via], detail: `${reached}: ${read.detail}` }, o.explicit);
        return undefined;
      }
      raw = read.text;
    }
    const label = this.ws.label(reached, r.real, raw);
    const refused = this.judge(reached, label);
    if (refused) {
      this.exclude(key, { source: reached, ...refused, ...labelFields(label), via: [o.via] }, o.explicit);
      return undefined;
    }
    const packagePath = o.mode === 'inline' ? 'BOOTSTRAP.md' : (o.packagePath ?? `${PACKAGE_LAYOUT.workspace}/${reached}`);
    let content = raw;
    let redactions = 0;
    if (o.mode === 'file') {
      const red = redactText(raw);
      content = red.text;
      redactions = red.found.length;
      for (const f of red.found) this.redactions.push({ path: packagePath, source: reached, ...f });
    }
    const entry: Stored = {
      path: packagePath,
      source: reached,
      level: label.level,
      label: label.source,
      ...(label.rule ? { rule: label.rule } : {}),
      via: [o.via],
      ...(o.mode === 'inline' ? { inlined: true } : {}),
      bytes: Buffer.byteLength(content),
      sha256: sha256(content),
      redactions,
      raw,
      content,
    };
    this.included.set(key, entry);
    return { source: reached, raw, text: content, level: label.level, packagePath };
  }

  /** Text from an inlined source, redacted, with the redactions reported against its source. */
  redactInline(source: string, raw: string): string {
    const red = redactText(raw);
    for (const f of red.found) this.redactions.push({ path: 'BOOTSTRAP.md', source, ...f });
    const entry = this.included.get(`inline:${source}`);
    if (entry) {
      entry.redactions += red.found.length;
      entry.bytes = Buffer.byteLength(red.text);
      entry.sha256 = sha256(red.text);
    }
    return red.text;
  }

  private judge(rel: string, label: Label): { reason: ExclusionReason; detail: string; byReference?: boolean } | undefined {
    const eff = this.clearance.effective;
    if (label.source === 'unreadable') {
      return { reason: 'unreadable-label', detail: `${rel} counts as C3 because ${label.problem ?? 'its label cannot be read'}` };
    }
    if (label.level === 'C3') {
      return this.namesC3
        ? { reason: 'confidential', byReference: true, detail: `${rel} is C3: never inlined; it stays in the workspace and may be referred to by its path` }
        : { reason: 'confidential', detail: `${rel} is C3: never inlined into a package` };
    }
    if (rank(label.level) > rank(eff)) {
      const who = rank(label.level) > rank(this.clearance.operatorCeiling) ? `operator level ${this.clearance.operatorLevel} (up to ${this.clearance.operatorCeiling})` : `${article(this.clearance.consumer)} ${this.clearance.consumer} (cleared for ${eff})`;
      return { reason: 'above-clearance', detail: `${rel} is ${label.level}, above what ${who} may include` };
    }
    return undefined;
  }

  /** Whatever kept it out, the package cannot go without it (the brief itself). */
  markBlocking(mode: 'file' | 'inline', reached: string, packagePath?: string): void {
    const e = this.excluded.get(packagePath ? `${mode}:${packagePath}:${reached}` : `${mode}:${reached}`);
    if (e) e.blocking = true;
  }

  exclude(key: string, entry: Omit<ExcludedEntry, 'blocking'>, explicit: boolean): void {
    const blocking = explicit && SECURITY_REASONS.has(entry.reason);
    const was = this.excluded.get(key);
    if (was) {
      for (const v of entry.via) addVia(was.via, v);
      was.blocking ||= blocking;
      return;
    }
    this.excluded.set(key, { ...entry, blocking });
  }

  /**
   * A reference from a brief or an instructions file: checked as written, then a file, a folder (walked) or a
   * glob (matched against the workspace). Only the reference itself is explicit, not what a folder or glob holds.
   */
  async considerReference(ref: Pick<Reference, 'ref' | 'path'>, o: { via: string; explicit: boolean; mode: 'file' | 'inline' }): Promise<Considered[]> {
    const key = `ref:${ref.ref}`;
    if (ref.path === undefined) {
      this.exclude(key, { source: ref.ref, reason: 'absolute-path', via: [o.via], detail: `${ref.ref} is an absolute path; only files inside the workspace are packaged, so it is never read` }, o.explicit);
      return [];
    }
    const check = checkReference(ref.path);
    if (!check.ok) {
      this.exclude(key, { source: ref.ref, reason: check.reason, via: [o.via], detail: `${ref.ref}: ${check.detail}` }, o.explicit);
      return [];
    }
    const rel = check.rel;
    const out: Considered[] = [];
    if (/[*?]/.test(rel)) {
      const all = await this.ws.workspaceFiles();
      if (all.truncated) this.noteTruncated();
      const matches = all.files.filter((f) => matchesGlob(f, rel));
      if (matches.length === 0) this.exclude(key, { source: ref.ref, reason: 'not-found', via: [o.via], detail: `no workspace file matches ${ref.ref}` }, false);
      for (const f of matches) {
        const c = await this.consider(f, { via: o.via, explicit: false, mode: o.mode });
        if (c) out.push(c);
      }
      return out;
    }
    const r = await this.ws.resolve(rel);
    if (r.ok && r.kind === 'dir') {
      const walked = await this.ws.walk(r.real);
      if (walked.truncated) this.noteTruncated();
      for (const f of walked.files) {
        const c = await this.consider(f, { via: o.via, explicit: false, mode: o.mode });
        if (c) out.push(c);
      }
      return out;
    }
    const c = await this.consider(rel, { via: o.via, explicit: o.explicit, mode: o.mode });
    return c ? [c] : [];
  }

  private noteTruncated(): void {
    const note = 'A folder walk stopped after 20000 files; name the files the consumer needs more narrowly.';
    if (!this.notes.includes(note)) this.notes.push(note);
  }

  includedEntries(): IncludedEntry[] {
    return [...this.included.values()].map(({ raw: _raw, content: _content, ...e }) => e);
  }

  excludedEntries(): ExcludedEntry[] {
    return [...this.excluded.values()];
  }

  /** Package files (mode 'file' only). */
  files(): { path: string; content: string }[] {
    return [...this.included.values()].filter((e) => !e.inlined).map((e) => ({ path: e.path, content: e.content }));
  }

  /** The highest level of the content inlined into BOOTSTRAP.md. */
  inlinedLevel(): Level {
    let level: Level = 'C0';
    for (const e of this.included.values()) if (e.inlined) level = maxLevel(level, e.level);
    return level;
  }
}

function addVia(list: string[], via: string): void {
  if (!list.includes(via)) list.push(via);
}

function labelFields(label: Label): { level: Level; label: Label['source']; rule?: string } {
  return { level: label.level, label: label.source, ...(label.rule ? { rule: label.rule } : {}) };
}
