// Every subcommand of the shipped CLI (dist/cli.js as a process) against the failure conditions that apply to it:
// a root that does not exist, a corrupt state file, the engine down, an unknown id, a missing run. Each must end
// as the README says: exit 1, no stack trace, and under --json a JSON error on stderr (or, for the commands whose
// answer is a findings document, that document on stdout). The table must name every subcommand of COMMANDS,
// so a new subcommand fails here until its conditions are written down.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { COMMANDS } from '../../../src/cli/main';
import { REPO, hasStack, runCli, type CliResult } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';

type Condition = 'no-root' | 'corrupt' | 'engine-down' | 'unknown-id' | 'missing-run';

interface Case {
  argv: string[];
  /** Conditions that apply, each with the reason(s) expected (undefined: any reason, the command decides). */
  when: Partial<Record<Condition, string | string[] | undefined>>;
  /** Under --json this command answers with a document on stdout (findings, a host list) rather than an error. */
  document?: boolean;
}

const DOWN = 'unix:///tmp/af-sweep-no-engine.sock';
const AGENT = 'ghost-000000';
/** An agent id that no record names: the engine is asked for it, and the engine is down in these tests. */
const NO_AGENT = ['not-found', 'docker-unavailable'];
const corrupt = { corrupt: 'state-corrupt' } as const;

const CASES: Record<string, Case> = {
  'init': { argv: ['init'], when: {} },
  'persona register': { argv: ['persona', 'register', 'p2', '--skills', 'x'], when: { 'no-root': 'not-initialized', ...corrupt } },
  'persona list': { argv: ['persona', 'list'], when: { 'no-root': 'not-initialized', ...corrupt } },
  'persona heartbeat': { argv: ['persona', 'heartbeat', 'ghost'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'task add': { argv: ['task', 'add', 'A', 'title', '--skills', 'x'], when: { 'no-root': 'not-initialized', ...corrupt } },
  'task list': { argv: ['task', 'list'], when: { 'no-root': 'not-initialized', ...corrupt } },
  // Nothing to claim is exit 3, not a failure (README): only the failures apply.
  'task claim': { argv: ['task', 'claim', '--persona', 'p'], when: { 'no-root': 'not-initialized', ...corrupt } },
  'task start': { argv: ['task', 'start', 'T99', '--persona', 'p'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'task complete': { argv: ['task', 'complete', 'T99', '--persona', 'p'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'task fail': { argv: ['task', 'fail', 'T99', '--persona', 'p', '--reason', 'r'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'task cancel': { argv: ['task', 'cancel', 'T99'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'task requeue': { argv: ['task', 'requeue', 'T99'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'task depend': { argv: ['task', 'depend', 'T99', '--on', 'T1'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'task handoff': { argv: ['task', 'handoff', 'T99', '--from', 'p', '--to', 'q'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'lock acquire': { argv: ['lock', 'acquire', 'db', '--persona', 'p', '--task', 'T99'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'lock release': { argv: ['lock', 'release', 'db', '--persona', 'p'], when: { 'no-root': 'not-initialized', 'unknown-id': 'not-found' } },
  'lock list': { argv: ['lock', 'list'], when: { 'no-root': 'not-initialized' } },
  'artifact route': { argv: ['artifact', 'route', 'notes/x.md'], when: { 'no-root': undefined, 'unknown-id': 'not-found' } },
  'brief validate': { argv: ['brief', 'validate', 'missing.brief.md'], when: { 'no-root': undefined, 'unknown-id': undefined } },
  'agent deploy': { argv: ['agent', 'deploy', 'internal.brief.md', '--image', 'busybox:1', '--command', 'true'], when: { 'no-root': 'not-initialized', 'engine-down': 'docker-unavailable', corrupt: undefined } },
  'agent list': { argv: ['agent', 'list'], when: { 'no-root': 'not-initialized', 'engine-down': undefined, corrupt: 'state-corrupt' }, document: true },
  'agent logs': { argv: ['agent', 'logs', AGENT], when: { 'no-root': 'not-initialized', 'engine-down': 'docker-unavailable', 'unknown-id': NO_AGENT, corrupt: 'state-corrupt' } },
  'agent stop': { argv: ['agent', 'stop', AGENT], when: { 'no-root': 'not-initialized', 'engine-down': 'docker-unavailable', 'unknown-id': NO_AGENT, corrupt: 'state-corrupt' } },
  'agent restart': { argv: ['agent', 'restart', AGENT], when: { 'no-root': 'not-initialized', 'engine-down': 'docker-unavailable', 'unknown-id': NO_AGENT, corrupt: 'state-corrupt' } },
  'agent rm': { argv: ['agent', 'rm', AGENT], when: { 'no-root': 'not-initialized', 'engine-down': 'docker-unavailable', 'unknown-id': NO_AGENT, corrupt: 'state-corrupt' } },
  'agent report': { argv: ['agent', 'report', AGENT], when: { 'no-root': 'not-initialized', 'engine-down': 'docker-unavailable', 'unknown-id': NO_AGENT, corrupt: 'state-corrupt' } },
  'agent collect': { argv: ['agent', 'collect', AGENT], when: { 'no-root': 'not-initialized', 'engine-down': 'docker-unavailable', 'unknown-id': NO_AGENT, corrupt: 'state-corrupt' } },
  'agent inspect': { argv: ['agent', 'inspect', AGENT], when: { 'no-root': 'not-initialized', 'engine-down': 'docker-unavailable', 'unknown-id': NO_AGENT, corrupt: 'state-corrupt' } },
  'agent compose': { argv: ['agent', 'compose', 'missing.brief.md', '--out', 'compose.yml'], when: { 'no-root': undefined, 'unknown-id': 'not-found' } },
  'agent volumes': { argv: ['agent', 'volumes'], when: { 'no-root': 'not-initialized', 'engine-down': 'docker-unavailable', corrupt: 'state-corrupt' } },
  'agent prune': { argv: ['agent', 'prune'], when: { 'no-root': 'not-initialized', 'engine-down': undefined, corrupt: 'state-corrupt' }, document: true },
  'package build': { argv: ['package', 'build', '--consumer', 'remote-agent', '--brief', 'missing.brief.md', '--out', 'pkg'], when: { 'no-root': 'not-found', 'unknown-id': 'not-found' } },
  'package audit': { argv: ['package', 'audit', '--consumer', 'parallel-terminal', '--persona', 'ghost'], when: { 'no-root': 'not-found', corrupt: 'state-corrupt' } },
  'matrix validate': { argv: ['matrix', 'validate'], when: { 'no-root': undefined }, document: true },
  'matrix plan': { argv: ['matrix', 'plan', '--unit', 'nope'], when: { 'no-root': undefined, 'unknown-id': 'not-found' }, document: true },
  'matrix setup': { argv: ['matrix', 'setup', '--unit', 'nope'], when: { 'no-root': undefined, 'unknown-id': 'not-found' }, document: true },
  'matrix run': { argv: ['matrix', 'run', '--isolation', 'docker', '--allow-workspace-commands', '--no-setup'], when: { 'no-root': undefined, 'engine-down': 'docker-unavailable' }, document: true },
  'matrix notify': { argv: ['matrix', 'notify', '--run', 'nope-1'], when: { 'no-root': 'not-found', 'missing-run': 'not-found' } },
  'matrix runs': { argv: ['matrix', 'runs'], when: {} },
  'matrix clean': { argv: ['matrix', 'clean'], when: { 'engine-down': 'docker-unavailable' } },
  'matrix report': { argv: ['matrix', 'report', '--run', 'nope-1'], when: { 'no-root': 'not-found', 'missing-run': 'not-found' } },
  'matrix workflow': { argv: ['matrix', 'workflow', '--out', 'wf.yml'], when: { 'no-root': undefined }, document: true },
  'matrix github-run': { argv: ['matrix', 'github-run', '--repo', 'o/r', '--run', 'gh-1-1', '--api-url', 'http://127.0.0.1:9'], when: { 'missing-run': undefined } },
  // The server refuses to start for a persona or federation it cannot serve (before any protocol on stdout).
  'mcp': { argv: ['mcp', '--persona', 'ghost'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'usage': { argv: ['usage', '--by', 'persona'], when: { 'no-root': 'not-initialized', ...corrupt } },
  'task diff': { argv: ['task', 'diff', 'T99'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'task merge': { argv: ['task', 'merge', 'T99'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'task history': { argv: ['task', 'history', 'T99'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  // The workspace is on files: moving to NATS needs config.yaml's servers (none here: state-corrupt names the field).
  'migrate': { argv: ['migrate', '--to', 'nats'], when: { 'no-root': 'state-corrupt', corrupt: 'state-corrupt' } },
  'worktree list': { argv: ['worktree', 'list'], when: { 'no-root': 'not-initialized', ...corrupt } },
  'worktree rm': { argv: ['worktree', 'rm', 'T99'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
  'worktree prune': { argv: ['worktree', 'prune'], when: { 'no-root': 'not-initialized', ...corrupt } },
  'mcp install': { argv: ['mcp', 'install', '--client', 'claude-code', '--persona', 'ghost'], when: { 'no-root': 'not-initialized', ...corrupt, 'unknown-id': 'not-found' } },
};

/**
 * Flags whose own failures the table above cannot show (they need a run to report, or are usage errors): each
 * with the exit code and, for exit 1, the reason. `env`: added to the environment.
 */
const FLAG_CASES: { name: string; argv: string[]; code: 1 | 2; reason?: string; env?: Record<string, string> }[] = [
  { name: 'report --format otlp without --out or --otlp-endpoint', argv: ['matrix', 'report', '--format', 'otlp'], code: 2 },
  { name: 'report --otlp-endpoint that is no http(s) URL', argv: ['matrix', 'report', '--otlp-endpoint', 'localhost:4318'], code: 2 },
  { name: 'report --otlp-endpoint with another format', argv: ['matrix', 'report', '--format', 'md', '--otlp-endpoint', 'http://127.0.0.1:9'], code: 2 },
  { name: 'report --otlp-timeout 0', argv: ['matrix', 'report', '--otlp-endpoint', 'http://127.0.0.1:9', '--otlp-timeout', '0'], code: 2 },
  // Port 9 (discard) on the loopback: nothing listens, the connection is refused at once.
  { name: 'report --otlp-endpoint with no receiver', argv: ['matrix', 'report', '--otlp-endpoint', 'http://127.0.0.1:9', '--otlp-timeout', '1'], code: 1, reason: 'export-failed' },
  { name: 'report --otlp-endpoint, malformed FEDERATION_OTLP_HEADERS', argv: ['matrix', 'report', '--otlp-endpoint', 'http://127.0.0.1:9'], code: 1, reason: 'invalid-input', env: { FEDERATION_OTLP_HEADERS: 'x-key=1,no-equals-sign' } },
  { name: 'report --otlp-endpoint for a run that does not exist', argv: ['matrix', 'report', '--otlp-endpoint', 'http://127.0.0.1:9', '--run', 'nope-1'], code: 1, reason: 'not-found' },
];

/** What a known failure must look like: exit 1, no stack, and (with --json) a typed error or a document. */
function assertKnownFailure(r: CliResult, json: boolean, c: Case, reason: string | string[] | undefined, what: string): void {
  assert.equal(r.code, 1, `${what}: exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.err}`);
  assert.equal(hasStack(r.out + r.err), false, `${what}: a stack trace\n${r.err}`);
  if (!json) {
    assert.ok(r.err.trim() !== '', `${what}: says nothing on stderr`);
    return;
  }
  let error: { reason?: unknown } | undefined;
  try {
    error = (JSON.parse(r.err) as { error?: { reason?: unknown } }).error;
  } catch {
    error = undefined;
  }
  if (error) {
    assert.equal(typeof error.reason, 'string', `${what}: the JSON error has a reason`);
    if (reason !== undefined) assert.ok([reason].flat().includes(error.reason as string), `${what}: reason ${String(error.reason)}, expected ${[reason].flat().join(' or ')}\n${r.err}`);
    return;
  }
  assert.ok(c.document, `${what}: no JSON error on stderr\nstdout: ${r.out}\nstderr: ${r.err}`);
  assert.doesNotThrow(() => JSON.parse(r.out), `${what}: neither a JSON error on stderr nor a JSON document on stdout\n${r.out}`);
}

describe('federation CLI: every subcommand against the failures that apply (as shipped)', function () {
  this.timeout(120_000);
  const tmp = useTempDir();

  it('the table names every subcommand, and nothing else', () => {
    const all = COMMANDS.flatMap((c) => Object.keys(c.subcommands).map((s) => [c.name, s].filter(Boolean).join(' ')));
    assert.deepEqual(Object.keys(CASES).sort(), all.sort());
  });

  /** An initialised workspace with a persona p, the demo matrix config and an agent brief. */
  async function workspace(): Promise<string> {
    const root = path.join(tmp.path, 'ws');
    mkdirSync(root);
    const r = await runCli(['init'], { cwd: root });
    assert.equal(r.code, 0, r.err);
    assert.equal((await runCli(['persona', 'register', 'p', '--skills', 'x'], { cwd: root })).code, 0);
    copyFileSync(path.join(REPO, 'test', 'fixtures', 'agents', 'internal.brief.md'), path.join(root, 'internal.brief.md'));
    mkdirSync(path.join(root, '.github'));
    writeFileSync(path.join(root, '.github', 'multi-agent-config.yml'), 'docker: { image: busybox:1 }\ntasks:\n  a: { module: ., command: "true" }\npriorities:\n  priority_1: { tasks: [a] }\n');
    return root;
  }

  /** Every state file the CLI reads, made unreadable. */
  function corruptState(root: string): void {
    for (const f of ['personas.json', 'queue.json', 'calendar.json', 'agents.json']) writeFileSync(path.join(root, '.federation', f), '{ not json');
    mkdirSync(path.join(root, '.federation', 'locks'), { recursive: true });
    writeFileSync(path.join(root, '.federation', 'locks', 'db.lock'), '{ not json');
  }

  it(`flags: ${FLAG_CASES.length} failures of single flags exit as documented, with a clear error and no stack`, async () => {
    const root = await workspace();
    const approvals = path.join(tmp.path, 'approvals.json');
    const ran = await runCli(['matrix', 'run', '--no-setup', '--allow-workspace-commands'], { cwd: root, env: { FEDERATION_APPROVALS_FILE: approvals } });
    assert.equal(ran.code, 0, ran.err);
    const offenders: string[] = [];
    for (const c of FLAG_CASES) {
      for (const json of [true, false]) {
        const r = await runCli([...(json ? ['--json'] : []), ...c.argv], { cwd: root, env: { FEDERATION_OTLP_HEADERS: undefined, OTEL_EXPORTER_OTLP_HEADERS: undefined, ...c.env } as Record<string, string | undefined> });
        const what = `${c.name}${json ? ' --json' : ''}`;
        try {
          assert.equal(r.code, c.code, `${what}: exit ${r.code}\nstdout: ${r.out}\nstderr: ${r.err}`);
          assert.equal(hasStack(r.out + r.err), false, `${what}: a stack trace\n${r.err}`);
          assert.ok(r.err.trim() !== '', `${what}: says nothing on stderr`);
          if (c.code === 2) assert.match(r.err, /^federation matrix: .*--(format|otlp-\w+)/m, `${what}: names the flag`);
          else if (json) assert.equal((JSON.parse(r.err) as { error: { reason: string } }).error.reason, c.reason, `${what}: ${r.err}`);
        } catch (e) {
          offenders.push((e as Error).message);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });

  for (const condition of ['no-root', 'corrupt', 'engine-down', 'unknown-id', 'missing-run'] as const) {
    const applicable = Object.entries(CASES).filter(([, c]) => condition in c.when);
    it(`${condition}: ${applicable.length} subcommands exit 1 with a clear error, no stack, a JSON error under --json`, async () => {
      const root = await workspace();
      if (condition === 'corrupt') corruptState(root);
      const env = { DOCKER_HOST: DOWN, GITHUB_TOKEN: 'sweep-token' };
      const cwd = condition === 'no-root' ? tmp.path : root;
      const rootFlag = condition === 'no-root' ? ['--root', path.join(tmp.path, 'missing')] : [];
      // A few at a time: each is a process of its own. Every offender is listed, not only the first.
      const queue = [...applicable];
      const offenders: string[] = [];
      const worker = async (): Promise<void> => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [name, c] = next;
          const reason = c.when[condition];
          for (const json of [true, false]) {
            const r = await runCli([...rootFlag, ...(json ? ['--json'] : []), ...c.argv], { cwd, env });
            try {
              assertKnownFailure(r, json, c, reason, `${condition}: federation ${name}${json ? ' --json' : ''}`);
            } catch (e) {
              offenders.push((e as Error).message);
            }
          }
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      assert.deepEqual(offenders, []);
    });
  }
});
