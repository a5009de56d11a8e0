// The MCP server as shipped (dist/cli.js mcp, started by the SDK's client as an agent's client starts it): every
// tool, each refusal as a tool error with its reason, persona binding, --read-only, resources and their change
// notifications, concurrent sessions, and a client that dies mid-call.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { CLI, REPO, cliIn } from '../../helpers/cli';
import { openMcp, type McpSession } from '../../helpers/mcp';
import { useTempDir } from '../../helpers/tmp';

const ALL_TOOLS = [
  'acquire_lock', 'add_task', 'claim_next_task', 'claim_task', 'complete_task', 'fail_task', 'get_task', 'hand_off_task',
  'list_locks', 'list_personas', 'list_tasks', 'release_lock', 'route_artifact', 'set_status', 'start_task', 'validate_brief', 'whoami',
];
const READ_TOOLS = ['get_task', 'list_locks', 'list_personas', 'list_tasks', 'validate_brief', 'whoami'];

type Queue = { tasks: { id: string; status: string; assignee: string | null; history: unknown[] }[] };

describe('federation mcp (the MCP server, as shipped)', function () {
  this.timeout(60_000);
  const sessions: McpSession[] = [];
  // Before the temp folder's own hook (hooks run in the order defined): no server may outlive its workspace.
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close().catch(() => {})));
  });
  const tmp = useTempDir('fed-mcp-');
  const cli = cliIn(() => tmp.path);
  /** The queue as the CLI reads it (queue.json plus its journal). */
  const queue = async (): Promise<Queue> => {
    const r = await cli('task', 'list', '--json');
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as Queue;
  };
  const open = async (...args: string[]) => {
    const s = await openMcp(tmp.path, args);
    sessions.push(s);
    return s;
  };

  beforeEach(async () => {
    for (const argv of [
      ['init'],
      ['persona', 'register', 'research', '--skills', 'research'],
      ['persona', 'register', 'writer', '--skills', 'writing'],
      ['task', 'add', 'Survey', 'the', 'field', '--skills', 'research', '--priority', '5'],
      ['task', 'add', 'Write', 'it', 'up', '--skills', 'writing'],
      ['task', 'add', 'Check', 'sources', '--skills', 'research', '--priority', '1'],
    ]) {
      const r = await cli(...argv);
      assert.equal(r.code, 0, `${argv.join(' ')}: ${r.err}`);
    }
  });

  it('lists every tool with a JSON schema; --read-only lists only the read tools', async () => {
    const s = await open('--persona', 'research');
    const tools = (await s.client.listTools()).tools;
    assert.deepEqual(tools.map((t) => t.name).sort(), ALL_TOOLS);
    for (const t of tools) assert.equal(t.inputSchema.type, 'object', t.name);
    const claim = tools.find((t) => t.name === 'claim_task')!;
    assert.deepEqual(claim.inputSchema.required, ['task']);
    const ro = await open('--persona', 'research', '--read-only');
    assert.deepEqual((await ro.client.listTools()).tools.map((t) => t.name).sort(), READ_TOOLS);
    const refused = await ro.call('claim_next_task');
    assert.equal(refused.isError, true);
    assert.equal((await queue()).tasks.every((t) => t.status === 'queued'), true, 'a read-only session changed nothing');
  });

  it('the task flow through tools: claim next (priority, skills), start, lock, complete; the CLI sees each step', async () => {
    const s = await open('--persona', 'research');
    const me = await s.call('whoami');
    assert.equal((me.data['persona'] as { id: string }).id, 'research');
    const claimed = await s.call('claim_next_task');
    assert.equal(claimed.isError, false, claimed.text);
    // P1 is the most urgent: T3 before T1; T2 needs writing.
    assert.equal((claimed.data['task'] as { id: string }).id, 'T3', 'the most urgent task within its skills');
    assert.equal((await s.call('claim_task', { task: 'T1' })).isError, false);
    assert.equal((await s.call('start_task', { task: 'T1' })).isError, false);
    const lock = await s.call('acquire_lock', { resource: 'survey-doc', task: 'T1' });
    assert.equal(lock.isError, false, lock.text);
    const { locks } = JSON.parse((await cli('lock', 'list', '--json')).out) as { locks: { resource: string; holder: string }[] };
    assert.deepEqual(locks.map((l) => [l.resource, l.holder]), [['survey-doc', 'research']]);
    assert.deepEqual(((await s.call('list_locks')).data['locks'] as unknown[]).length, 1);
    assert.equal((await s.call('release_lock', { resource: 'survey-doc' })).isError, false);
    const done = await s.call('complete_task', { task: 'T1', summary: 'Surveyed 12 papers', artifacts: ['notes/survey.md'], usage: { model: 'claude-sonnet', inputTokens: 12000, outputTokens: 3400, costUsd: 0.09, wallSeconds: 310 } });
    assert.equal(done.isError, false, done.text);
    // The usage ledger: on the task's attempt, and rolled up by `federation usage`.
    const ledger = JSON.parse((await cli('usage', '--by', 'persona', '--json')).out) as { rows: { key: string; costUsd: number; inputTokens: number }[]; total: { entries: number } };
    assert.deepEqual(ledger.rows.map((r) => [r.key, r.costUsd, r.inputTokens]), [['research', 0.09, 12000]]);
    assert.equal(ledger.total.entries, 1);
    const badUsage = await s.call('fail_task', { task: 'T3', reason: 'x', usage: { inputTokens: -5 } });
    assert.equal(badUsage.isError, true);
    const t1 = (await queue()).tasks.find((t) => t.id === 'T1')!;
    assert.equal(t1.status, 'done');
    const got = await s.call('get_task', { task: 'T1' });
    assert.match(JSON.stringify(got.data), /Surveyed 12 papers/);
    const mine = await s.call('list_tasks', { mine: true });
    assert.deepEqual((mine.data['tasks'] as { id: string }[]).map((t) => t.id).sort(), ['T1', 'T3']);
    const personas = await s.call('list_personas');
    assert.deepEqual((personas.data['personas'] as { id: string }[]).map((p) => p.id).sort(), ['research', 'writer']);
    const added = await s.call('add_task', { title: 'Follow up on source 7', skills: ['research'], priority: 2 });
    assert.equal((added.data['task'] as { id: string }).id, 'T4');
    assert.equal((await s.call('set_status', { status: 'active' })).isError, false);
  });

  it('each refusal is a tool error with the reason and a sentence, and changes nothing', async () => {
    const s = await open('--persona', 'research');
    const w = await open('--persona', 'writer');
    const expect = async (session: McpSession, tool: string, args: Record<string, unknown>, reason: string) => {
      const before = JSON.stringify(await queue());
      const r = await session.call(tool, args);
      assert.equal(r.isError, true, `${tool}: ${r.text}`);
      assert.equal((r.data['error'] as { reason: string }).reason, reason, `${tool}: ${JSON.stringify(r.data)}`);
      assert.ok(r.text.length > 10 && !/\n\s+at /.test(r.text), `${tool}: a sentence, no stack: ${r.text}`);
      assert.equal(JSON.stringify(await queue()), before, `${tool} changed the queue`);
    };
    await expect(s, 'claim_task', { task: 'T2' }, 'skill-scope');
    await expect(s, 'start_task', { task: 'T99' }, 'not-found');
    await expect(s, 'get_task', { task: 'T99' }, 'not-found');
    await s.call('claim_task', { task: 'T1' });
    await expect(w, 'complete_task', { task: 'T1' }, 'skill-scope');
    await expect(w, 'hand_off_task', { task: 'T1', to: 'research' }, 'not-assignee');
    await expect(s, 'complete_task', { task: 'T3' }, 'not-assignee');
    await expect(s, 'release_lock', { resource: 'nothing-here' }, 'not-found');
    assert.equal((await w.call('acquire_lock', { resource: 'db' })).isError, false);
    await expect(s, 'acquire_lock', { resource: 'db' }, 'resource-locked');
    await expect(s, 'release_lock', { resource: 'db' }, 'not-lock-holder');
    await expect(s, 'route_artifact', { file: '../outside.md' }, 'outside-workspace');
    // Malformed arguments: the SDK's validation, still a tool error, never a crash.
    for (const [tool, args] of [['claim_task', { task: 12 }], ['claim_task', {}], ['fail_task', { task: 'T1', reason: '' }], ['set_status', { status: 'offline' }]] as const) {
      const r = await s.call(tool, args);
      assert.equal(r.isError, true, `${tool} ${JSON.stringify(args)}`);
      assert.match(r.text, /Invalid arguments|Input validation/, r.text);
    }
    const unknown = await s.call('no_such_tool');
    assert.equal(unknown.isError, true);
    assert.equal((await s.call('whoami')).isError, false, 'the server still answers');
  });

  it('add_task takes dependsOn; a blocked task is refused by claim_task (blocked), passed over by claim_next_task, not claimable', async () => {
    const s = await open('--persona', 'research');
    // T1 (P5) and T3 (P1) are research's; the new task waits for T1.
    const added = await s.call('add_task', { title: 'Summarise the survey', skills: ['research'], priority: 1, dependsOn: ['T1'] });
    assert.equal(added.isError, false, added.text);
    assert.deepEqual((added.data['task'] as { id: string; dependsOn: string[] }).dependsOn, ['T1']);
    const before = JSON.stringify(await queue());
    const refused = await s.call('claim_task', { task: 'T4' });
    assert.equal(refused.isError, true, refused.text);
    const error = refused.data['error'] as { reason: string; details: { blockers: unknown } };
    assert.equal(error.reason, 'blocked');
    assert.deepEqual(error.details.blockers, [{ task: 'T1', status: 'queued' }]);
    assert.match(refused.text, /T4 is blocked by T1 \(queued\)/);
    assert.equal(JSON.stringify(await queue()), before, 'the refusal changed the queue');
    const resource = JSON.parse(((await s.client.readResource({ uri: 'federation://tasks' })).contents[0] as { text: string }).text) as { claimable: { id: string }[] };
    assert.deepEqual(resource.claimable.map((t) => t.id).sort(), ['T1', 'T3']);
    assert.equal(((await s.call('claim_next_task')).data['task'] as { id: string }).id, 'T3');
    const unknown = await s.call('add_task', { title: 'Waits for nothing real', dependsOn: ['T77'] });
    assert.equal(unknown.isError, true);
    assert.equal((unknown.data['error'] as { reason: string }).reason, 'invalid-input');
  });

  it('a corrupt state file is a tool error naming the file; the server keeps serving and the file is not overwritten', async () => {
    const s = await open('--persona', 'research');
    const file = path.join(tmp.path, '.federation', 'queue.json');
    writeFileSync(file, '{ not json');
    const r = await s.call('claim_next_task');
    assert.equal(r.isError, true);
    assert.equal((r.data['error'] as { reason: string }).reason, 'state-corrupt');
    assert.match(r.text, /queue\.json/);
    assert.equal(readFileSync(file, 'utf8'), '{ not json');
    assert.equal((await s.call('list_personas')).isError, false);
  });

  it('is bound to its persona: a research server cannot act as writer, and it refuses to start for an unknown persona', async () => {
    const s = await open('--persona', 'research');
    // No tool takes a persona: what it acts for is fixed at start.
    for (const t of (await s.client.listTools()).tools) assert.equal(Object.hasOwn(t.inputSchema.properties ?? {}, 'persona'), false, t.name);
    await s.call('claim_next_task');
    assert.equal((await queue()).tasks.find((t) => t.id === 'T3')!.assignee, 'research');
    const ghost = await cli('mcp', '--persona', 'ghost', '--json');
    assert.equal(ghost.code, 1);
    assert.equal(JSON.parse(ghost.err).error.reason, 'not-found');
    assert.equal(ghost.out, '', 'nothing on the protocol stream');
    const none = await cli('mcp');
    assert.equal(none.code, 2, none.err);
    assert.match(none.err, /--persona ID is required/);
    const env = await openMcp(tmp.path, [], { FEDERATION_PERSONA: 'writer' });
    sessions.push(env);
    assert.equal(((await env.call('whoami')).data['persona'] as { id: string }).id, 'writer');
  });

  it('four sessions claiming at once never claim a task twice', async () => {
    for (let i = 0; i < 5; i++) await cli('task', 'add', `Extra ${i}`, '--skills', 'research');
    const four = await Promise.all([0, 1, 2, 3].map(() => open('--persona', 'research')));
    const claims = await Promise.all(four.flatMap((s) => [s.call('claim_next_task'), s.call('claim_next_task')]));
    const ids = claims.filter((c) => !c.isError && c.data['task']).map((c) => (c.data['task'] as { id: string }).id);
    assert.equal(ids.length, 7, 'seven research tasks, eight claims: one finds nothing');
    assert.equal(new Set(ids).size, ids.length, `a task claimed twice: ${ids.join(' ')}`);
    const q = await queue();
    assert.equal(q.tasks.filter((t) => t.assignee === 'research').length, 7);
    for (const t of q.tasks.filter((t) => t.assignee === 'research')) assert.equal(t.history.filter((e) => (e as { action: string }).action === 'claimed').length, 1, t.id);
  });

  it('resources: the persona\'s tasks, a handoff addressed to it, its bootstrap package; a subscribed client hears of a change made elsewhere', async () => {
    const w = await open('--persona', 'writer');
    await w.call('claim_task', { task: 'T2' });
    // A writing task handed to research needs research to have the skill: give it one.
    await cli('persona', 'register', 'research', '--skills', 'research,writing');
    const handed = await w.call('hand_off_task', { task: 'T2', to: 'research', context: 'Draft is in notes/draft.md', done: ['outline'], next: ['write section 2'], files: ['notes/draft.md'] });
    assert.equal(handed.isError, false, handed.text);
    const s = await open('--persona', 'research');
    const list = (await s.client.listResources()).resources.map((r) => r.uri);
    assert.ok(list.includes('federation://tasks'), list.join());
    assert.ok(list.includes('federation://bootstrap/BOOTSTRAP.md'), list.join());
    const handoff = list.find((u) => u.startsWith('federation://handoffs/'));
    assert.ok(handoff, list.join());
    const doc = await s.client.readResource({ uri: handoff });
    assert.match((doc.contents[0] as { text: string }).text, /write section 2/);
    const boot = await s.client.readResource({ uri: 'federation://bootstrap/BOOTSTRAP.md' });
    assert.match((boot.contents[0] as { text: string }).text, /research/);
    await assert.rejects(s.client.readResource({ uri: 'federation://handoffs/..%2F..%2Fpersonas.json' }), /No open handoff/);

    const updated = new Promise<string>((resolve) => s.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri)));
    await s.client.subscribeResource({ uri: 'federation://tasks' });
    assert.equal((await cli('task', 'add', 'New', 'work', '--skills', 'research')).code, 0);
    assert.equal(await updated, 'federation://tasks');
    const tasks = JSON.parse(((await s.client.readResource({ uri: 'federation://tasks' })).contents[0] as { text: string }).text) as { claimable: { title: string }[] };
    assert.ok(tasks.claimable.some((t) => t.title === 'New work'));
  });

  it('heartbeats for its persona while connected and renews its locks; stops when the client goes away', async () => {
    const personas = () => JSON.parse(readFileSync(path.join(tmp.path, '.federation', 'personas.json'), 'utf8')).personas as { id: string; lastHeartbeat: string | null }[];
    const registered = personas().find((p) => p.id === 'research')!.lastHeartbeat;
    const s = await open('--persona', 'research', '--heartbeat-seconds', '5');
    // Each beat renews the locks, then writes the heartbeat: once the server's first heartbeat is there, that beat is over.
    await waitFor(() => {
      const beat = personas().find((p) => p.id === 'research')!.lastHeartbeat;
      return beat && beat !== registered ? beat : undefined;
    }, 10_000);
    await s.call('acquire_lock', { resource: 'db', ttlMinutes: 1 });
    const lockFile = path.join(tmp.path, '.federation', 'locks', 'db.lock');
    const first = JSON.parse(readFileSync(lockFile, 'utf8')).expiresAt as string;
    // The next beat renews it with config.yaml's TTL (30 minutes): wait for the file to change, not for time.
    const renewed = await waitFor(() => {
      const now = JSON.parse(readFileSync(lockFile, 'utf8')).expiresAt as string;
      return now !== first ? now : undefined;
    }, 15_000);
    assert.ok(Date.parse(renewed) - Date.parse(first) > 20 * 60_000, `${first} -> ${renewed}`);
    const pid = s.pid!;
    await s.close();
    await waitFor(() => (alive(pid) ? undefined : true), 10_000);
  });

  it('a client killed mid-call leaves the state whole, and the server goes with it', async function () {
    for (let i = 0; i < 20; i++) await cli('task', 'add', `Bulk ${i}`, '--skills', 'research');
    // A client of its own (a process), killed while its claims are in flight.
    const script = path.join(tmp.path, 'client.js');
    writeFileSync(script, `
      const { Client } = require(${JSON.stringify(path.join(REPO, 'node_modules/@modelcontextprotocol/sdk/dist/cjs/client/index.js'))});
      const { StdioClientTransport } = require(${JSON.stringify(path.join(REPO, 'node_modules/@modelcontextprotocol/sdk/dist/cjs/client/stdio.js'))});
      (async () => {
        const t = new StdioClientTransport({ command: process.execPath, args: [${JSON.stringify(CLI)}, 'mcp', '--root', ${JSON.stringify(tmp.path)}, '--persona', 'research'], stderr: require('node:fs').openSync(${JSON.stringify(path.join(tmp.path, 'server.err'))}, 'w') });
        const c = new Client({ name: 'doomed', version: '1' });
        await c.connect(t);
        process.stdout.write('server ' + t.pid + '\\n');
        for (let i = 0; i < 20; i++) c.callTool({ name: 'claim_next_task', arguments: {} }).then(() => process.stdout.write('claimed\\n'), () => {});
      })();`);
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const server = await new Promise<number>((resolve) => child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /server (\d+)/.exec(out);
      if (m && out.includes('claimed')) resolve(Number(m[1]));
    }));
    child.kill('SIGKILL');
    await waitFor(() => (alive(server) ? undefined : true), 10_000);
    // Its client gone mid-answer (EPIPE), the server ends quietly: no crash, no stack trace.
    const err = readFileSync(path.join(tmp.path, 'server.err'), 'utf8');
    assert.doesNotMatch(err, /^\s+at .+:\d+:\d+\)?$/m, err);
    const q = await queue();
    for (const t of q.tasks) assert.ok(t.status === 'queued' || (t.status === 'claimed' && t.assignee === 'research'), `${t.id} ${t.status}`);
    assert.equal(existsSync(path.join(tmp.path, '.federation', 'queue.json')), true);
    const list = await cli('task', 'list', '--json');
    assert.equal(list.code, 0, list.err);
    // The next session goes on from where the dead one stopped.
    const s = await open('--persona', 'research');
    assert.equal((await s.call('claim_next_task')).isError, false);
  });

  it('validate_brief checks a brief as Deploy Agent does', async () => {
    mkdirSync(path.join(tmp.path, 'briefs'));
    writeFileSync(path.join(tmp.path, 'briefs', 'x.brief.md'), '# Not a brief\n');
    const s = await open('--persona', 'research');
    const r = await s.call('validate_brief', { files: ['briefs/x.brief.md'] });
    assert.equal(r.isError, false, r.text);
    const summary = r.data['summary'] as { files: number; errors: number };
    assert.equal(summary.files, 1);
    assert.ok(summary.errors > 0, r.text);
    const missing = await s.call('validate_brief', { files: ['nope.brief.md'] });
    assert.equal((missing.data['error'] as { reason: string }).reason, 'not-found');
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `probe` until it gives a value; fails after `ms`. For events another process causes (no callback here). */
async function waitFor<T>(probe: () => T | undefined, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
