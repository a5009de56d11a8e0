// Which files are mission briefs: MISSION_BRIEF.md, MISSION_BRIEF.<anything>.md and *.brief.md.

/** The same rule as a glob, for vscode document selectors and file watchers. */
export const BRIEF_GLOB = '**/{MISSION_BRIEF.md,MISSION_BRIEF.*.md,*.brief.md}';

export function isBriefFileName(fileName: string): boolean {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  return base === 'MISSION_BRIEF.md' || (base.startsWith('MISSION_BRIEF.') && base.endsWith('.md') && base.length > 'MISSION_BRIEF..md'.length) || (base.endsWith('.brief.md') && base.length > '.brief.md'.length);
}
