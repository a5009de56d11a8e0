// Which files a text asks for: the Resources section of a mission brief (`/workspace/…` paths, relative paths in
// code spans and link targets) and `@path` imports in instruction files. Only recognises references; whether a
// reference is safe and what it may pull in is decided by the builder.
import { BriefDocument, parseBrief } from '../brief';
import { hasFileExtension, pathLike } from '../brief/paths';

export { pathLike };

export interface Reference {
  /** As written (`/workspace/docs/a.md`, `../x`, `/home/me/notes.md`). */
  ref: string;
  /** The workspace-relative path it names, before any check ('' = the whole workspace); undefined for absolute paths. */
  path: string | undefined;
  /** Offsets of `ref` in the text, for editor findings. */
  start: number;
  end: number;
  /** 0-based line, for the manifest's `via`. */
  line: number;
}

const WORKSPACE_REF = /(?<![\w/.-])\/workspace(?:\/([^\s`'"()<>[\]{},;|]*))?/g;
const CODE_SPAN = /`([^`\n]+)`/g;
const LINK_TARGET = /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;

function trimPunctuation(s: string): string {
  return s.replace(/[.:!?]+$/, '');
}

function inBlocks(blocks: { startLine: number; endLine: number }[], line: number): boolean {
  return blocks.some((b) => line >= b.startLine && line <= b.endLine);
}

/** The files a brief's Resources section names, in order of appearance (each offset once). */
export function briefReferences(text: string, doc: BriefDocument = parseBrief(text)): Reference[] {
  const resources = doc.sections.find((s) => s.known === 'Resources');
  if (!resources) return [];
  const from = resources.bodyStart;
  const to = resources.contentEnd;
  const body = text.slice(from, to);
  const skip = [...doc.codeBlocks, ...doc.comments];
  const found = new Map<number, Reference>();
  const add = (start: number, ref: string, path: string | undefined) => {
    const line = doc.lines.lineOf(start);
    if (inBlocks(skip, line) || found.has(start)) return;
    found.set(start, { ref, path, start, end: start + ref.length, line });
  };
  for (const m of body.matchAll(WORKSPACE_REF)) {
    const ref = trimPunctuation(m[0]);
    const rel = trimPunctuation(m[1] ?? '').replace(/\/+$/, '').replace(/^\.\//, '');
    add(from + m.index, ref, rel);
  }
  for (const re of [CODE_SPAN, LINK_TARGET]) {
    for (const m of body.matchAll(re)) {
      const value = m[1]!;
      const offset = from + m.index + m[0].indexOf(value);
      if (value.trim().startsWith('/workspace')) continue; // counted by WORKSPACE_REF
      const p = pathLike(value);
      if (p) add(offset, value.trim(), p.path === undefined ? undefined : p.path.replace(/\/+$/, ''));
    }
  }
  return [...found.values()].sort((a, b) => a.start - b.start);
}

const IMPORT = /(?<![\w`@./])@((?:~|\.{1,2})?\/?[\w.-]+(?:\/[\w.-]+)*)/g;

/**
 * `@path` imports of an instruction file (the CLAUDE.md convention), outside code. A bare `@name` without a folder
 * or extension is a mention, not an import. Paths are relative to the importing file's folder.
 */
export function instructionImports(text: string, file: string): Reference[] {
  const out: Reference[] = [];
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  let fence = false;
  let offset = 0;
  const lines = text.split('\n');
  lines.forEach((lineText, line) => {
    const lineStart = offset;
    offset += lineText.length + 1;
    if (/^\s{0,3}(```|~~~)/.test(lineText)) {
      fence = !fence;
      return;
    }
    if (fence) return;
    const withoutSpans = lineText.replace(/`[^`]*`/g, (s) => ' '.repeat(s.length));
    for (const m of withoutSpans.matchAll(IMPORT)) {
      const value = trimPunctuation(m[1]!);
      if (!/[\\/]/.test(value) && !hasFileExtension(value)) continue;
      const start = lineStart + m.index;
      const absolute = value.startsWith('/') || value.startsWith('~');
      out.push({ ref: `@${value}`, path: absolute ? undefined : dir + value, start, end: start + value.length + 1, line });
    }
  });
  return out;
}
