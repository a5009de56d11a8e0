// The command an agent container runs. A template is split into arguments once (shell-like quoting, no shell
// is ever involved) and each {placeholder} is replaced inside its argument, so a value can never add arguments
// or run anything.
import { FederationError } from '../errors';

/** Container paths every agent finds in the same place. */
export const CONTAINER_PATHS = {
  workspace: '/workspace',
  brief: '/brief/MISSION_BRIEF.md',
  /** The package's answers to the six questions, next to the brief. */
  bootstrap: '/brief/BOOTSTRAP.md',
  briefDir: '/brief',
  secrets: '/secrets',
  output: '/output',
  report: '/output/agent-report.json',
  tmp: '/tmp',
  /** A worktree agent's own git folder (GIT_DIR): the task branch, its tip's objects, the agent's commits. */
  git: '/git',
  /** The worktree's .git file (it names a host path), bound read-only over itself so the agent cannot repoint it. */
  gitFile: '/workspace/.git',
} as const;

/**
 * The default: Claude Code in print mode, told where everything is. The image must have `claude` on its PATH and
 * read its API key from /secrets (for example an entrypoint wrapper); nothing secret is ever passed in env.
 */
export const DEFAULT_COMMAND_TEMPLATE =
  'claude --print "Read the mission brief at {brief} and carry it out. The project files are in {workspace}; ' +
  'secrets are files in {secrets}. Write every result under {output}. When done, write the JSON report ' +
  '(status, summary, deliverables, metrics, startedAt, finishedAt) to {report}."';

export const TEMPLATE_PLACEHOLDERS = ['brief', 'workspace', 'secrets', 'output', 'report', 'agentId', 'persona', 'role'] as const;
export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

function invalid(template: string, why: string): FederationError {
  return new FederationError('invalid-input', `Command template ${JSON.stringify(template)} is not usable: ${why}.`, { field: 'commandTemplate' });
}

/** Splits like a POSIX shell would for quoting only: '…' literal, "…" with \" \\ escapes, \x outside quotes. */
export function splitCommand(template: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArg = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && (template[i + 1] === '"' || template[i + 1] === '\\')) current += template[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inArg = true;
    } else if (c === '\\') {
      if (i + 1 >= template.length) throw invalid(template, 'it ends with a lone backslash');
      current += template[++i];
      inArg = true;
    } else if (/\s/.test(c)) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
    } else {
      current += c;
      inArg = true;
    }
  }
  if (quote) throw invalid(template, `a ${quote} quote is not closed`);
  if (inArg) args.push(current);
  if (args.length === 0) throw invalid(template, 'it is empty');
  return args;
}

/**
 * Replaces {name} in each argument. `${name}` is left alone (shell syntax in an `sh -c` script); any other
 * unknown {name} is an error so that typos do not reach the agent.
 */
export function expandCommand(template: string | readonly string[], values: Record<TemplatePlaceholder, string>): string[] {
  const args = typeof template === 'string' ? splitCommand(template) : [...template];
  if (args.length === 0) throw invalid(String(template), 'it is empty');
  const shown = typeof template === 'string' ? template : template.join(' ');
  return args.map((arg) =>
    arg.replace(/(\$?)\{([A-Za-z]+)\}/g, (whole, dollar: string, name: string) => {
      if (dollar) return whole;
      if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name)) {
        throw invalid(shown, `{${name}} is not a placeholder (use ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`);
      }
      return values[name as TemplatePlaceholder];
    }),
  );
}
