// The catalog of brief findings: one stable code each, documented in docs/brief-rules.md (keep them in step).
import { BriefCode, Severity } from './types';

export interface RuleInfo {
  code: BriefCode;
  /** PascalCase name, for SARIF `rules[].name`. */
  name: string;
  severity: Severity;
  title: string;
}

export const DOCS_BASE = 'https://github.com/agent-federation/agent-federation/blob/main/docs/brief-rules.md';

export const RULES: readonly RuleInfo[] = [
  { code: 'MB001', name: 'MissingSection', severity: 'error', title: 'A required section is missing' },
  { code: 'MB002', name: 'EmptySection', severity: 'error', title: 'A required section is empty' },
  { code: 'MB003', name: 'DuplicateSection', severity: 'error', title: 'A section appears more than once' },
  { code: 'MB004', name: 'SectionOrder', severity: 'warning', title: 'Sections are out of order' },
  { code: 'MB005', name: 'UnknownSection', severity: 'warning', title: 'A level-2 heading is not one of the six sections' },
  { code: 'MB006', name: 'SectionHeadingLevel', severity: 'error', title: 'A section heading is not at level 2' },
  { code: 'MB007', name: 'TodoLeft', severity: 'warning', title: 'A TODO placeholder is left in the brief' },
  { code: 'MB010', name: 'FrontMatterSyntax', severity: 'error', title: 'Front matter is not a closed YAML mapping' },
  { code: 'MB011', name: 'UnknownKey', severity: 'warning', title: 'Unknown front-matter key' },
  { code: 'MB012', name: 'InvalidValue', severity: 'error', title: 'A front-matter value has the wrong type or form' },
  { code: 'MB013', name: 'ValueNotAllowed', severity: 'error', title: 'A front-matter value is not one of the allowed values' },
  { code: 'MB014', name: 'WorktreeWorkspace', severity: 'error', title: 'workspace: worktree without a task or below operator level L2' },
  { code: 'MB020', name: 'MissionNotMeasurable', severity: 'warning', title: 'The Mission has nothing measurable' },
  { code: 'MB030', name: 'OutputOutsideOutput', severity: 'error', title: 'An output location is outside /output' },
  { code: 'MB031', name: 'HostPath', severity: 'error', title: 'An absolute host path is in the brief' },
  { code: 'MB032', name: 'ParentPath', severity: 'error', title: 'A path climbs out with ..' },
  { code: 'MB033', name: 'BareResourcePath', severity: 'warning', title: 'A Resources entry is a bare path, which is not packaged' },
  { code: 'MB040', name: 'UndeclaredSecret', severity: 'error', title: 'A secret is referenced but not declared' },
  { code: 'MB041', name: 'SecretValue', severity: 'error', title: 'A secret value is pasted into the brief' },
  { code: 'MB042', name: 'UnusedSecret', severity: 'info', title: 'A declared secret is never referenced' },
  { code: 'MB050', name: 'UnknownPersona', severity: 'warning', title: 'The persona is not in the federation registry' },
  { code: 'MB051', name: 'UnknownRole', severity: 'warning', title: 'The role is not a skill or persona in the registry' },
  { code: 'MB052', name: 'UnknownTask', severity: 'error', title: 'The task is not in the federation queue' },
  { code: 'MB053', name: 'NoTaskWorktree', severity: 'error', title: 'The task has no worktree to work in' },
  { code: 'MB060', name: 'NoProhibition', severity: 'warning', title: 'Boundaries state no prohibition' },
  { code: 'MB090', name: 'BadDisableComment', severity: 'warning', title: 'A brief-disable comment names an unknown code' },
];

const BY_CODE = new Map(RULES.map((r) => [r.code, r]));

export function ruleInfo(code: BriefCode): RuleInfo {
  return BY_CODE.get(code)!;
}

export function isBriefCode(s: string): s is BriefCode {
  return BY_CODE.has(s as BriefCode);
}

export function docUrl(code: BriefCode): string {
  return `${DOCS_BASE}#${code.toLowerCase()}`;
}
