// What Deploy Agent refuses in a brief besides the brief validator's errors, as findings shaped like the
// validator's (LSP ranges, severity, docUrl), for `federation brief validate` to fail on in CI:
// - AG001: a `network` allow-list (planBrief refuses it with the same words, allowListRefusal);
// - the remote-agent package's clearance findings (briefClearanceFindings, PK codes: the Collector and clearance
//   model buildPackage uses), those that refuse the package as errors (PK007 is a warning in the editor).
// Not here: what depends on the deploy command line or the machine (`--image` for a brief without image, the
// secret values, the engine).
import { parseBrief, type Range, type Severity } from '../brief';
import { findEntry, frontMatterNode } from '../brief/parse';
import { briefClearanceFindings, type ClearanceFinding, type OperatorLevel, type Workspace, type WorkspaceOptions } from '../packages';
import { allowListRefusal } from './plan';

export const AGENT_DOCS = 'https://github.com/agent-federation/agent-federation/blob/main/docs/agents.md';

export type DeployCode = 'AG001';

export const DEPLOY_RULES: Record<DeployCode, { name: string; severity: Severity; title: string }> = {
  AG001: { name: 'NetworkAllowList', severity: 'error', title: 'A network allow-list: agents cannot enforce one yet' },
};

export interface DeployFinding {
  code: DeployCode | ClearanceFinding['code'];
  severity: Severity;
  range: Range;
  message: string;
  docUrl: string;
  /** Deploying the brief is refused for this (always an error). */
  refuses: boolean;
  data?: Record<string, unknown>;
}

export interface DeployCheckOptions {
  /** The operator's level deploy would use (the CLI's default is L1, as `agent deploy`'s). */
  operatorLevel: OperatorLevel;
  /** The brief's workspace path, so that path rules label it. */
  briefPath: string;
}

/** Deploy's own refusals in the front matter (no file system). */
export function planFindings(text: string): DeployFinding[] {
  const doc = parseBrief(text);
  const network = doc.frontMatter?.data?.['network'];
  if (!Array.isArray(network) || !network.every((h) => typeof h === 'string')) return [];
  const node = frontMatterNode(doc, ['network']);
  const range = node ? doc.lines.range(node.start, node.end) : (findEntry(doc, 'network')?.valueRange ?? doc.lines.lineRange(0));
  return [{ code: 'AG001', severity: 'error', range, message: `The brief ${allowListRefusal(network as string[])}`, docUrl: `${AGENT_DOCS}#ag001`, refuses: true, data: { key: 'network', allowList: network } }];
}

/** Every finding of a brief that Deploy Agent would act on at this operator level, sorted by position. */
export async function deployFindings(text: string, workspace: Workspace | WorkspaceOptions, options: DeployCheckOptions): Promise<DeployFinding[]> {
  const clearance = await briefClearanceFindings(text, workspace, { consumer: 'remote-agent', operatorLevel: options.operatorLevel, briefPath: options.briefPath });
  const out: DeployFinding[] = [...planFindings(text), ...clearance.map((f): DeployFinding => ({ ...f, severity: f.refuses ? 'error' : f.severity }))];
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code));
}
