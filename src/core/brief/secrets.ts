// Finds secret VALUES in text: credentials with a known shape (AWS, GitHub, OpenAI/Anthropic, Slack, Stripe,
// Google, npm, GitLab, JWT, PEM private keys) and random-looking tokens. Pure and single-pass: the text is cut
// into tokens once and only tokens that could be secrets are examined further. Shared by the brief validator and
// the bootstrap-package builder. Deliberately NOT reported (see docs/brief-rules.md#mb041):
//  - UUIDs (8-4-4-4-12 hex): identifiers, not credentials;
//  - hex strings with a hash context on the line before them (commit, sha, digest, checksum, …): git SHAs and
//    image digests;
//  - documented placeholders: values containing EXAMPLE, XXXX, REDACTED, "…" or one repeated character;
//  - identifiers made of words (camelCase, paths), long base64 blobs after `base64,` (data URLs).

export type SecretKind =
  | 'private-key'
  | 'aws-access-key-id'
  | 'github-token'
  | 'github-fine-grained-pat'
  | 'gitlab-token'
  | 'npm-token'
  | 'openai-api-key'
  | 'anthropic-api-key'
  | 'slack-token'
  | 'stripe-key'
  | 'google-api-key'
  | 'jwt'
  | 'password-assignment'
  | 'high-entropy';

export interface SecretValueMatch {
  /** Offsets into the text: [start, end). */
  start: number;
  end: number;
  kind: SecretKind;
  /** For messages: "a GitHub token". */
  label: string;
  /** A secret name to declare instead, e.g. GITHUB_TOKEN. */
  suggestedName: string;
}

interface Shape {
  kind: SecretKind;
  label: string;
  name: string;
  re: RegExp;
  /** Characters of the match that are a fixed prefix, left out of the placeholder check. */
  prefix: number;
  /** The body must hold both letters and digits: these prefixes also begin ordinary hyphenated words. */
  mixed?: boolean;
}

// Sticky expressions, tried only at the start of a token whose first character can begin them.
const SHAPES: Record<string, Shape[]> = {
  A: [
    { kind: 'aws-access-key-id', label: 'an AWS access key id', name: 'AWS_ACCESS_KEY_ID', re: /(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}(?![0-9A-Za-z])/y, prefix: 4 },
    { kind: 'google-api-key', label: 'a Google API key', name: 'GOOGLE_API_KEY', re: /AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/y, prefix: 4 },
  ],
  g: [
    { kind: 'github-token', label: 'a GitHub token', name: 'GITHUB_TOKEN', re: /gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9])/y, prefix: 4 },
    { kind: 'github-fine-grained-pat', label: 'a GitHub personal access token', name: 'GITHUB_TOKEN', re: /github_pat_[A-Za-z0-9_]{22,255}(?![A-Za-z0-9_])/y, prefix: 11 },
    { kind: 'gitlab-token', label: 'a GitLab token', name: 'GITLAB_TOKEN', re: /glpat-[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])/y, prefix: 6, mixed: true },
  ],
  n: [{ kind: 'npm-token', label: 'an npm token', name: 'NPM_TOKEN', re: /npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/y, prefix: 4 }],
  s: [
    { kind: 'anthropic-api-key', label: 'an Anthropic API key', name: 'ANTHROPIC_API_KEY', re: /sk-ant-[A-Za-z0-9_-]{20,}/y, prefix: 7, mixed: true },
    { kind: 'openai-api-key', label: 'an OpenAI-style API key', name: 'OPENAI_API_KEY', re: /sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/y, prefix: 3, mixed: true },
    { kind: 'stripe-key', label: 'a Stripe secret key', name: 'STRIPE_API_KEY', re: /sk_(?:live|test)_[A-Za-z0-9]{16,}/y, prefix: 8 },
  ],
  r: [{ kind: 'stripe-key', label: 'a Stripe restricted key', name: 'STRIPE_API_KEY', re: /rk_(?:live|test)_[A-Za-z0-9]{16,}/y, prefix: 8 }],
  x: [{ kind: 'slack-token', label: 'a Slack token', name: 'SLACK_TOKEN', re: /xox[abposr]-[A-Za-z0-9-]{10,}/y, prefix: 5, mixed: true }],
  e: [{ kind: 'jwt', label: 'a JSON Web Token', name: 'JWT', re: /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/y, prefix: 3 }],
};

// The first two characters of every shape, as (c1 << 8 | c2): ordinary words skip the regular expressions.
const SHAPE_PREFIX = new Set(
  ['AK', 'AS', 'AG', 'AI', 'AR', 'AN', 'gh', 'gi', 'gl', 'np', 'sk', 'rk', 'xo', 'ey'].map((p) => (p.charCodeAt(0) << 8) | p.charCodeAt(1)),
);

// Token characters: base64/base64url alphabet. "=" only as trailing padding, so `KEY=value` splits.
// A table over all UTF-16 code units spares a range check per character.
const TOKEN = new Uint8Array(65536);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-') TOKEN[c.charCodeAt(0)] = 1;

const MIN_GENERIC = 20;
const MAX_GENERIC = 256;
const HASH_CONTEXT = /\b(?:commit|commits|sha|sha1|sha256|sha512|sha-1|sha-256|hash|digest|checksum|revision|rev|merge|cherry-pick|fingerprint|md5|uuid|id|blob|tree|ref)\b|@sha|sha\d*:/i;
const PLACEHOLDER = /EXAMPLE|example|XXXX|xxxx|\*\*\*|REDACTED|redacted|\.\.\.|…|<|>/;

export function findSecretValues(text: string): SecretValueMatch[] {
  const found: SecretValueMatch[] = [];
  const blocks = privateKeyBlocks(text);
  found.push(...blocks);
  let b = 0;
  const n = text.length;
  let start = -1;
  // i runs to n inclusive so that a token at the very end is closed like any other.
  for (let i = 0; i <= n; i++) {
    if (i < n && TOKEN[text.charCodeAt(i)]) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    const s = start;
    start = -1;
    const len = i - s;
    // Most tokens are short words: they cost a table lookup unless ":" or "=" follows (an assignment).
    if (len >= 3 && KEYWORD_LAST[text.charCodeAt(i - 1)]) {
      let j = i;
      while (j < n && j - i < 4 && ASSIGN_GAP[text.charCodeAt(j)]) j++;
      const cj = text.charCodeAt(j);
      if (cj === 58 || cj === 61) {
        const assigned = matchAssignment(text, s, i, j);
        if (assigned) {
          found.push(assigned);
          i = assigned.end - 1;
          continue;
        }
      }
    }
    if (len < 8) continue;
    while (b < blocks.length && blocks[b]!.end <= s) b++;
    if (b < blocks.length && blocks[b]!.start <= s) {
      i = Math.max(i, blocks[b]!.end) - 1;
      continue;
    }
    if (SHAPE_PREFIX.has((text.charCodeAt(s) << 8) | text.charCodeAt(s + 1))) {
      const shaped = matchShape(text, s);
      if (shaped) {
        found.push(shaped);
        i = Math.max(i, shaped.end) - 1;
        continue;
      }
    }
    if (len < MIN_GENERIC) continue;
    // Trailing base64 padding, unless it starts an assignment (`A=b`).
    let end = i;
    while (end < n && end - i < 2 && text.charCodeAt(end) === 61) end++;
    if (end > i && end < n && TOKEN[text.charCodeAt(end)]) end = i;
    if (end - s <= MAX_GENERIC && hasDigit(text, s, end)) {
      for (const [a, z] of pieces(text, s, end)) {
        if (z - a >= MIN_GENERIC && looksRandom(text, a, z)) found.push({ start: a, end: z, kind: 'high-entropy', label: 'a random-looking token (a key or password?)', suggestedName: 'SECRET' });
      }
    }
    i = end;
  }
  return found.sort((x, y) => x.start - y.start);
}

/**
 * A token with "/" is a path or URL when one of its parts is a plain word (`repo/commit/<sha>`): then each part
 * is judged on its own, with what precedes it as context. Otherwise (base64 with "/") it is judged whole.
 */
function pieces(text: string, start: number, end: number): [number, number][] {
  if (text.indexOf('/', start) === -1 || text.indexOf('/', start) >= end) return [[start, end]];
  const parts: [number, number][] = [];
  let a = start;
  let wordy = false;
  for (let k = start; k <= end; k++) {
    if (k === end || text.charCodeAt(k) === 47) {
      if (!wordy && isWord(text, a, k)) wordy = true;
      parts.push([a, k]);
      a = k + 1;
    }
  }
  return wordy ? parts : [[start, end]];
}

/** `[A-Za-z]?[a-z]{2,}`: a plain word such as "repo" or "Commit". */
function isWord(text: string, a: number, z: number): boolean {
  if (z - a < 2) return false;
  const first = text.charCodeAt(a);
  if (!((first >= 97 && first <= 122) || (first >= 65 && first <= 90))) return false;
  for (let k = a + 1; k < z; k++) {
    const c = text.charCodeAt(k);
    if (c < 97 || c > 122) return false;
  }
  return z - a >= 3 || (first >= 97 && first <= 122);
}

function hasDigit(text: string, a: number, z: number): boolean {
  for (let k = a; k < z; k++) {
    const c = text.charCodeAt(k);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

function privateKeyBlocks(text: string): SecretValueMatch[] {
  const out: SecretValueMatch[] = [];
  const begin = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/y;
  for (let k = text.indexOf('-----BEGIN '); k !== -1; k = text.indexOf('-----BEGIN ', k + 11)) {
    begin.lastIndex = k;
    const m = begin.exec(text);
    if (!m) continue;
    const endMarker = `-----END ${m[1] ?? ''}PRIVATE KEY${m[2] ?? ''}-----`;
    const e = text.indexOf(endMarker, k + m[0].length);
    const end = e === -1 ? k + m[0].length : e + endMarker.length;
    out.push({ start: k, end, kind: 'private-key', label: 'a private key', suggestedName: 'PRIVATE_KEY' });
    k = end - 11;
  }
  return out;
}

function matchShape(text: string, start: number): SecretValueMatch | undefined {
  const shapes = SHAPES[text[start]!];
  if (!shapes) return undefined;
  for (const s of shapes) {
    s.re.lastIndex = start;
    const m = s.re.exec(text);
    if (!m) continue;
    const body = m[0].slice(s.prefix);
    if (isPlaceholder(body) || (s.mixed && !(/\d/.test(body) && /[A-Za-z]/.test(body)))) return undefined;
    return { start, end: start + m[0].length, kind: s.kind, label: s.label, suggestedName: s.name };
  }
  return undefined;
}

// `password: hunter22`, `DB_PASSWORD=…`, `api_key = "…"`: a short secret that is not random enough for the
// generic check, recognised by the word in front of it.
const KEYWORD = /(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)$/i;
const KEYWORD_LAST = new Uint8Array(65536);
for (const c of 'dDeEtTnNyYsS') KEYWORD_LAST[c.charCodeAt(0)] = 1;
// What may stand between the keyword and its ":" or "=": spaces, quotes, Markdown emphasis.
const ASSIGN_GAP = new Uint8Array(65536);
for (const c of ' "\'*') ASSIGN_GAP[c.charCodeAt(0)] = 1;

/** `start..end` is the keyword token, `op` the offset of its ":" or "=". */
function matchAssignment(text: string, start: number, end: number, op: number): SecretValueMatch | undefined {
  if (end - start > 40) return undefined;
  let j = op;
  const keyword = text.slice(start, end);
  if (!KEYWORD.test(keyword)) return undefined;
  j++;
  while (j < text.length && (text[j] === ' ' || text[j] === '\t' || text[j] === '"' || text[j] === "'" || text[j] === '*' || text[j] === '`')) j++;
  let k = j;
  while (k < text.length && !/[\s"'`,;]/.test(text[k]!)) k++;
  const value = text.slice(j, k);
  if (value.length < 8 || value.length > 128 || /^[$/<{%[(~.]/.test(value) || /^[A-Z][A-Z0-9_]*$/.test(value) || isPlaceholder(value)) return undefined;
  const classes = Number(/[a-z]/.test(value)) + Number(/[A-Z]/.test(value)) + Number(/\d/.test(value)) + Number(/[^A-Za-z0-9]/.test(value));
  if (classes < 2 || (wordShare(value) > 0.6 && !/\d/.test(value))) return undefined;
  const name = keyword.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return { start: j, end: k, kind: 'password-assignment', label: `a value assigned to "${keyword}"`, suggestedName: /^[A-Z_]/.test(name) ? name : 'SECRET' };
}

function isPlaceholder(body: string): boolean {
  if (PLACEHOLDER.test(body)) return true;
  return new Set(body.replace(/[-_]/g, '')).size < 6;
}

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let e = 0;
  for (const v of counts.values()) {
    const p = v / s.length;
    e -= p * Math.log2(p);
  }
  return e;
}

/** Share of characters inside word-like runs (Word, word, WORD of four or more letters): high for identifiers and paths. */
function wordShare(s: string): number {
  let n = 0;
  const re = /[A-Z]?[a-z]{3,}|[A-Z]{4,}/g;
  for (let m = re.exec(s); m; m = re.exec(s)) if (m[0].length >= 4) n += m[0].length;
  return n / s.length;
}

/** How often the character class (lower, upper, digit, other) changes: random tokens switch far more than words. */
function classSwitches(s: string): number {
  const cls = (c: number) => (c >= 97 && c <= 122 ? 0 : c >= 65 && c <= 90 ? 1 : c >= 48 && c <= 57 ? 2 : 3);
  let k = 0;
  for (let i = 1; i < s.length; i++) if (cls(s.charCodeAt(i)) !== cls(s.charCodeAt(i - 1))) k++;
  return k / (s.length - 1);
}

function looksRandom(text: string, start: number, end: number): boolean {
  const token = text.slice(start, end);
  let lower = false;
  let upper = false;
  let digit = false;
  let hex = true;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 97 && c <= 122) {
      lower = true;
      if (c > 102) hex = false;
    } else if (c >= 65 && c <= 90) {
      upper = true;
      if (c > 70) hex = false;
    } else if (c >= 48 && c <= 57) digit = true;
    else hex = false;
  }
  if (!digit) return false;
  if (hex) {
    if (!(lower || upper) || token.length < 32) return false;
    if (token.length === 36 && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(token)) return false;
    if (hasHashContext(text, start)) return false;
    return entropy(token) >= 3;
  }
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(token)) return false;
  if (text.startsWith('base64,', start - 7)) return false;
  if (isPlaceholder(token)) return false;
  if (upper && lower) return entropy(token) >= 3.5 && classSwitches(token) - 0.5 * wordShare(token) > 0.2;
  // One case plus digits (base36 and similar): only long tokens with no words in them.
  return token.length >= 32 && entropy(token) >= 4 && wordShare(token) < 0.2;
}

function hasHashContext(text: string, start: number): boolean {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  return HASH_CONTEXT.test(text.slice(Math.max(lineStart, start - 80), start));
}
