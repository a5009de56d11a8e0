// Brief validation speed: a 5 KB and a 1 MB brief, median of many runs, after warm-up (yaml loaded, JIT warm).
// When the npm package `markdownlint` is installed it is timed on the same texts, as the yardstick for
// "a Markdown linter's worth of work": the target is ours/markdownlint <= 0.25.
import { parseBrief, validateBrief } from '../src/core/brief';
import { BriefRegistry } from '../src/core/brief/types';
import { median } from './stats';

const REGISTRY: BriefRegistry = {
  personas: [
    { id: 'research', skills: ['reviewer', 'research', 'writing'] },
    { id: 'builder', skills: ['typescript', 'docker'] },
  ],
};

const HEAD = `---
role: reviewer
persona: research
image: ghcr.io/agent-federation/worker:1.4
confidentiality: C1
operator_level: L1
network: [api.github.com, registry.npmjs.org]
resources: { cpus: 2, memory: 2g, pids: 256 }
secrets: [GITHUB_TOKEN, NPM_TOKEN]
output: /output/review
report: markdown
timeout: 45m
---

# Review the open pull requests

`;

// Prose with the things the rules look at: paths, secret references, numbers, code, links, identifiers.
const PARAGRAPH = `Read the change set of each pull request in \`agent-federation/agent-federation\` and compare it with the
design notes in \`/workspace/docs/design.md\`; call \`getPullRequestFiles\` for the list of files and keep at most 20
comments per pull request. Use the token in /secrets/GITHUB_TOKEN for the API and \${secrets.NPM_TOKEN} to check
package versions at https://registry.npmjs.org/agent-federation. Commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 is the
baseline; anything older than 14 days is out of scope.

- [ ] every open pull request has a verdict with at most 5 reasons
- [ ] each reason points at a file and a line, like \`src/core/brief/validate.ts:120\`

\`\`\`sh
gh pr list --limit 100 --json number,title > /output/review/prs.json
\`\`\`

`;

const SECTIONS: [string, string][] = [
  ['Identity', '- **Persona:** research\n- **Role:** reviewer\n\nYou review code for the maintainers.\n\n'],
  ['Mission', PARAGRAPH],
  ['Resources', 'The repository checkout at `/workspace` (read-only), the GitHub API with /secrets/GITHUB_TOKEN, npm with ${secrets.NPM_TOKEN}.\n\n'],
  ['Output', 'Write one file per pull request to `/output/review/pr-NUMBER.md`.\n\n'],
  ['Reporting', 'When done, write `/output/review/report.md` with the verdicts in a table.\n\n'],
  ['Boundaries', '- Never approve, merge or close a pull request.\n- Do not comment on GitHub.\n\n'],
];

/** A well-formed brief of about `bytes`, grown by repeating the Mission's paragraph (as ### subsections). */
export function makeBrief(bytes: number): string {
  const fixed = HEAD.length + SECTIONS.reduce((n, [name, body]) => n + name.length + 5 + body.length, 0);
  const extra = Math.max(0, Math.ceil((bytes - fixed) / (PARAGRAPH.length + 20)));
  let mission = PARAGRAPH;
  for (let i = 0; i < extra; i++) mission += `### Part ${i + 1}\n\n${PARAGRAPH}`;
  return HEAD + SECTIONS.map(([name, body]) => `## ${name}\n\n${name === 'Mission' ? mission : body}`).join('');
}


function time(fn: () => unknown, runs: number): number {
  for (let i = 0; i < Math.min(runs, 20); i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

type MarkdownlintSync = { lint(options: { strings: Record<string, string> }): unknown };

async function loadMarkdownlint(): Promise<MarkdownlintSync | undefined> {
  try {
    return (await importEsm('markdownlint/sync')) as MarkdownlintSync;
  } catch {
    return undefined;
  }
}

export async function benchBrief(): Promise<Record<string, number>> {
  const small = makeBrief(5 * 1024);
  const large = makeBrief(1024 * 1024);
  // Sanity: the bench texts are valid briefs, so the numbers measure the common case, not an early exit.
  const problems = validateBrief(small, { registry: REGISTRY }).filter((f) => f.severity === 'error');
  if (problems.length) throw new Error(`bench brief is not valid: ${problems.map((p) => p.code).join(', ')}`);
  const result: Record<string, number> = {
    'brief.validate.5kb.ms': time(() => validateBrief(small, { registry: REGISTRY }), 2000),
    'brief.validate.1mb.ms': time(() => validateBrief(large, { registry: REGISTRY }), 40),
    'brief.parse.1mb.ms': time(() => parseBrief(large), 40),
    'brief.size.small.bytes': small.length,
    'brief.size.large.bytes': large.length,
  };
  const mdl = await loadMarkdownlint();
  if (mdl) {
    const m5 = time(() => mdl.lint({ strings: { brief: small } }), 300);
    // markdownlint needs seconds for the 1 MB text: a median of 3 keeps the bench short.
    const m1 = time(() => mdl.lint({ strings: { brief: large } }), 3);
    result['markdownlint.5kb.ms'] = m5;
    result['markdownlint.1mb.ms'] = m1;
    result['brief.ratio.5kb'] = result['brief.validate.5kb.ms']! / m5;
    result['brief.ratio.1mb'] = result['brief.validate.1mb.ms']! / m1;
  }
  return result;
}

if (require.main === module) {
  benchBrief().then(
    (r) => {
      for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(28)} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
