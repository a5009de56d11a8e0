// Checking mission briefs as Deploy Agent will: the validator's findings, then deploy's own and the package
// clearance of the workspace the brief is deployed from. One sequence for every front end (`federation brief
// validate`, the MCP server's validate_brief); they differ only in how they print the results.
import * as path from 'node:path';
import { BriefRegistry, Finding, fixAll, isBriefFileName, validateBrief } from '../brief';
import { FederationError } from '../errors';
import { matchesGlob } from '../glob';
import { OperatorLevel, Workspace } from '../packages';
import { PersonasFileSchema } from '../federation/state/schemas';
import { FederationStore } from '../federation/state/store';
import type { Dirent, FileSystem } from '../ports';
import { deployFindings, type DeployFinding } from './deployFindings';
import { taskRegistry } from './prepare';

const SKIP_DIRS = new Set(['node_modules', '.git']);

export interface BriefFileResult {
  /** Relative to the root with forward slashes (absolute when outside it). */
  file: string;
  findings: (Finding | DeployFinding)[];
  /** With fix: how many fixes were written. */
  fixed?: number;
  /** What deploying it was checked against; null for a brief outside the workspace (and any .federation folder). */
  deploy: { operatorLevel: OperatorLevel; refused: boolean } | null;
}

export interface BriefCheckOptions {
  operatorLevel: OperatorLevel;
  /** Write the validator's fixes back to each file first. */
  fix?: boolean;
}

export interface BriefCheckSummary {
  files: number;
  errors: number;
  warnings: number;
  infos: number;
}

export class BriefChecker {
  constructor(
    readonly root: string,
    private readonly fs: FileSystem,
    /** Told when personas.json cannot be read, so personas and roles go unchecked. */
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /**
   * Files named are checked whatever their name; globs and folders are expanded by walking the tree (skipping
   * node_modules and .git) and keep only brief file names.
   */
  async expand(patterns: string[]): Promise<string[]> {
    const found = new Set<string>();
    let tree: string[] | undefined;
    for (const p of patterns) {
      if (/[*?{]/.test(p)) {
        tree ??= await this.walk(this.root);
        const abs = path.isAbsolute(p) ? p : path.join(this.root, p);
        const glob = slashes(path.relative(this.root, abs)).replace(/^\.\//, '');
        const matches = tree.filter((f) => isBriefFileName(f) && matchesGlob(slashes(path.relative(this.root, f)), glob));
        if (!matches.length) throw new FederationError('not-found', `no brief file matches "${p}" under ${this.root}`, { pattern: p });
        matches.forEach((m) => found.add(m));
        continue;
      }
      const abs = path.resolve(this.root, p);
      const stat = await this.fs.stat(abs).catch(() => undefined);
      if (!stat) throw new FederationError('not-found', `${p}: no such file or folder`, { file: p });
      if (stat.isDirectory()) {
        const matches = (await this.walk(abs)).filter(isBriefFileName);
        if (!matches.length) throw new FederationError('not-found', `no brief file in ${p}`, { folder: p });
        matches.forEach((m) => found.add(m));
      } else found.add(abs);
    }
    return [...found].sort();
  }

  /** Checks each file (absolute paths, as expand() gives them). */
  async check(files: string[], options: BriefCheckOptions): Promise<BriefFileResult[]> {
    const registry = await this.registry();
    const validation = registry ? { registry } : {};
    const results: BriefFileResult[] = [];
    const workspaces = new Map<string, Promise<Workspace>>();
    for (const abs of files) {
      const raw = await this.fs.readFile(abs, 'utf8');
      // Editors hide a byte-order mark; dropping it keeps columns the same as the editor's.
      const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      const file = this.display(abs);
      let checked = text;
      let result: Omit<BriefFileResult, 'deploy'>;
      if (options.fix) {
        const r = fixAll(text, validation);
        if (r.text !== text) await this.fs.writeFile(abs, (raw === text ? '' : '\uFEFF') + r.text);
        checked = r.text;
        result = { file, findings: r.remaining, fixed: r.fixed };
      } else {
        result = { file, findings: validateBrief(text, validation) };
      }
      const root = await this.workspaceOf(abs);
      if (root === undefined) {
        results.push({ ...result, deploy: null });
        continue;
      }
      if (!workspaces.has(root)) workspaces.set(root, Workspace.open({ root, disk: this.fs }));
      const more = await deployFindings(checked, await workspaces.get(root)!, { operatorLevel: options.operatorLevel, briefPath: slashes(path.relative(root, abs)) });
      const findings = [...result.findings, ...more].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code));
      // Deploy refuses any brief with an error: the validator's, or one of these.
      results.push({ ...result, findings, deploy: { operatorLevel: options.operatorLevel, refused: findings.some((f) => f.severity === 'error') } });
    }
    return results;
  }

  /**
   * The personas and skills briefs are checked against, and the queue's tasks; undefined (after a warning) when
   * personas.json is bad.
   */
  private async registry(): Promise<BriefRegistry | undefined> {
    const file = path.join(this.root, '.federation', 'personas.json');
    let text: string;
    try {
      text = await this.fs.readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = PersonasFileSchema.safeParse(JSON.parse(text));
      if (parsed.success) {
        const tasks = await taskRegistry(new FederationStore(this.root, { fs: this.fs }), this.fs);
        return { personas: parsed.data.personas.map((p) => ({ id: p.id, skills: p.skills })), ...tasks };
      }
    } catch {
      /* reported below */
    }
    this.warn(`ignoring ${file}: it is not a valid personas file, so personas and roles are not checked`);
    return undefined;
  }

  /**
   * The workspace a brief is deployed from: the root when the brief is inside it, else the nearest folder above
   * the brief that holds a .federation folder; undefined when there is none.
   */
  private async workspaceOf(abs: string): Promise<string | undefined> {
    const rel = path.relative(this.root, abs);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return this.root;
    for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
      if (await this.fs.stat(path.join(dir, '.federation')).then((st) => st.isDirectory(), () => false)) return dir;
      if (path.dirname(dir) === dir) return undefined;
    }
  }

  private display(abs: string): string {
    const rel = path.relative(this.root, abs);
    return rel.startsWith('..') || path.isAbsolute(rel) ? slashes(abs) : slashes(rel);
  }

  private async walk(dir: string): Promise<string[]> {
    const out: string[] = [];
    const visit = async (d: string) => {
      let entries: Dirent[];
      try {
        entries = await this.fs.readdir(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name)) await visit(path.join(d, e.name));
        } else if (e.isFile()) out.push(path.join(d, e.name));
      }
    };
    await visit(dir);
    return out.sort();
  }
}

export function summarizeBriefs(results: BriefFileResult[]): BriefCheckSummary {
  const all = results.flatMap((r) => r.findings);
  return {
    files: results.length,
    errors: all.filter((f) => f.severity === 'error').length,
    warnings: all.filter((f) => f.severity === 'warning').length,
    infos: all.filter((f) => f.severity === 'info').length,
  };
}

function slashes(p: string): string {
  return p.split(path.sep).join('/');
}
