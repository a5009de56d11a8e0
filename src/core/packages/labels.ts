// A file's confidentiality level: from its front matter (`confidentiality: C2` in a Markdown file) and from the
// path rules of config.yaml. When both speak, the stricter wins, so a file cannot declassify itself below a rule
// the operator set; the default applies only when neither does. A label that cannot be read counts as C3.
import { matchesGlob } from '../glob';
import { ConfidentialityConfig, unsafeRuleReason } from './config';
import { Level, maxLevel, rank } from './model';
import { yaml } from '../lazy';

export type LabelSource = 'front-matter' | 'path-rule' | 'default' | 'unreadable';

export interface Label {
  level: Level;
  source: LabelSource;
  /** The glob of the path rule that decided (source 'path-rule'). */
  rule?: string;
  /** Why the label could not be read (source 'unreadable'). */
  problem?: string;
}

const MARKDOWN = /\.(?:md|markdown|mdx)$/i;

export function isMarkdownPath(rel: string): boolean {
  return MARKDOWN.test(rel);
}

/**
 * The `confidentiality:` of a Markdown file's front matter: a level, a problem (then the file counts as C3), or
 * undefined when the file has no front matter or the front matter does not label it.
 */
export function frontMatterLevel(text: string): { level: Level } | { problem: string } | undefined {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  if (lines[0]?.trimEnd() !== '---') return undefined;
  let close = -1;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!.trimEnd();
    if (l === '---' || l === '...') {
      close = i;
      break;
    }
  }
  if (close < 0) return { problem: 'its front matter is never closed' };
  const source = lines.slice(1, close).join('\n');
  if (source.trim() === '') return undefined;
  const doc = yaml().parseDocument(source, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { problem: `its front matter is not valid YAML (${doc.errors[0]!.message.split('\n')[0]})` };
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return undefined;
  if (typeof data !== 'object' || Array.isArray(data)) return { problem: 'its front matter is not a mapping' };
  if (!Object.prototype.hasOwnProperty.call(data, 'confidentiality')) return undefined;
  const value = (data as Record<string, unknown>)['confidentiality'];
  if (typeof value === 'string' && /^c[0-3]$/i.test(value.trim())) return { level: value.trim().toUpperCase() as Level };
  return { problem: `its confidentiality label ${JSON.stringify(value)} is not one of C0, C1, C2, C3` };
}

/** The first path rule that matches, ignoring rules that could never name a workspace file. */
export function matchingRule(rel: string, config: ConfidentialityConfig): { glob: string; level: Level } | undefined {
  return config.rules.find((r) => !unsafeRuleReason(r.glob) && matchesGlob(rel, r.glob));
}

/** `text` is the file's content when it is text (undefined for binary files: rules and default only). */
export function labelFile(rel: string, text: string | undefined, config: ConfidentialityConfig): Label {
  const fm = text !== undefined && isMarkdownPath(rel) ? frontMatterLevel(text) : undefined;
  if (fm && 'problem' in fm) return { level: 'C3', source: 'unreadable', problem: fm.problem };
  const rule = matchingRule(rel, config);
  if (fm && rule) {
    return rank(rule.level) > rank(fm.level) ? { level: rule.level, source: 'path-rule', rule: rule.glob } : { level: fm.level, source: 'front-matter' };
  }
  if (fm) return { level: fm.level, source: 'front-matter' };
  if (rule) return { level: rule.level, source: 'path-rule', rule: rule.glob };
  return { level: config.default, source: 'default' };
}

/** The stricter of two labels (a link and its target are both judged). */
export function stricter(a: Label, b: Label): Label {
  if (a.source === 'unreadable') return a;
  if (b.source === 'unreadable') return b;
  return maxLevel(a.level, b.level) === a.level ? a : b;
}
