// Bootstrap packages and the security model, pure: no vscode. The extension and the CLI use this module.
import { buildPackage } from './build';
import { BootstrapPackage, PackageOptions } from './types';
import { describePackage } from './write';

export { buildPackage, INSTRUCTION_FILES, RULES_DIR, skillPaths } from './build';
export { writePackage, describePackage, type WritePackageOptions, type WriteResult } from './write';
export { briefClearanceFindings, CLEARANCE_RULES, PACKAGE_DOCS, type ClearanceCode, type ClearanceFinding, type ClearanceOptions } from './findings';
export {
  CONSUMERS,
  CONSUMER_POLICIES,
  LEVELS,
  LEVEL_NAMES,
  OPERATOR_CEILINGS,
  OPERATOR_LEVELS,
  clearanceFor,
  isConsumer,
  isLevel,
  isOperatorLevel,
  type Clearance,
  type Consumer,
  type ConsumerPolicy,
  type Level,
  type OperatorCeiling,
  type OperatorLevel,
} from './model';
export { ConfidentialityConfigSchema, ConfidentialityRuleSchema, parsePackageConfig, type ConfidentialityConfig, type ConfidentialityRule } from './config';
export { frontMatterLevel, labelFile, type Label, type LabelSource } from './labels';
export { MemoryWorkspaceFs, diskWorkspaceFs, type EntryKind, type FsEntry, type MemoryEntry, type WorkspaceFs } from './fs';
export { MAX_FILE_BYTES, NEVER_PACKAGED, PACKAGE_FORMAT, PACKAGE_LAYOUT, Workspace, checkReference, type WorkspaceOptions } from './workspace';
export { briefReferences, instructionImports, type Reference } from './references';
export { treeClearance, type TreeClearance, type TreeClearanceOptions } from './tree';
export { OUTPUT_SCHEMA, QUESTIONS } from './render';
export type { BootstrapPackage, ExcludedEntry, ExclusionReason, IncludedEntry, PackageFile, PackageManifest, PackageOptions, PackageRequest, Redaction, SecretMount } from './types';

export interface PackageAudit extends BootstrapPackage {
  /** False when the package is refused (something asked for explicitly cannot be given). */
  ok: boolean;
  /** describePackage(manifest): for a preview or a terminal. */
  summary: string;
}

/** What a consumer would get, without writing anything: the package, whether it may be handed over, and an account. */
export async function auditPackage(options: PackageOptions): Promise<PackageAudit> {
  const pkg = await buildPackage(options);
  return { ...pkg, ok: pkg.manifest.ok, summary: describePackage(pkg.manifest) };
}
