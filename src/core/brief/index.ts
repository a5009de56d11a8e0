// MISSION_BRIEF language support, pure: no vscode, no file system. The extension and the CLI use this module.
export type { BriefCode, BriefOptions, BriefRegistry, Finding, FindingData, Position, QuickFix, Range, Severity, TextEdit } from './types';
export { RULES, DOCS_BASE, docUrl, ruleInfo, isBriefCode, type RuleInfo } from './codes';
export { parseBrief, type BriefDocument, type Section, type Heading, type FrontMatter, type FrontMatterEntry } from './parse';
export { validateBrief, analyzeBrief, closestValue, type BriefAnalysis } from './validate';
export { quickFixes, quickFixesInRange, fixAll, type FixAllResult } from './fixes';
export { completeBrief, type BriefCompletion, type CompletionKind } from './completion';
export { hoverBrief, type BriefHover } from './hover';
export { documentSymbols, foldingRanges, type BriefSymbol, type BriefFoldingRange } from './outline';
export { findSecretValues, type SecretValueMatch, type SecretKind } from './secrets';
export { isBriefFileName, BRIEF_GLOB } from './files';
export { applyEdits, LineIndex } from './text';
export { moveUnderOutput } from './paths';
export {
  BriefFrontMatterSchema,
  type BriefFrontMatter,
  SECTION_NAMES,
  type SectionName,
  FRONT_MATTER_KEYS,
  CONFIDENTIALITY_LEVELS,
  OPERATOR_LEVELS,
  NETWORK_MODES,
  REPORT_FORMATS,
  KEY_DOCS,
  SECTION_DOCS,
} from './schema';
