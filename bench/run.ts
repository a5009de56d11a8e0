// `npm run bench`: runs every benchmark and writes bench/results.json (figures, targets, pass/fail).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchAgents } from './agents';
import { benchBrief } from './brief';
import { benchFederation, round } from './federation';
import { benchMatrix } from './matrix';
import { benchMcp } from './mcp';
import { benchRemote } from './remote';
import { removeScratch, settle } from './scratch';
import { benchWebviews } from './webviews';

const repo = path.resolve(__dirname, '..', '..');

interface Target {
  metric: string;
  op: '<=' | '>=';
  value: number;
}

const TARGETS: Target[] = [
  { metric: 'federation.claimLatencyMs_p99_8writers', op: '<=', value: 60 },
  { metric: 'federation.opsOverNaive_8writers_ratio', op: '>=', value: 2 },
  { metric: 'federation.nats_claimLatencyMs_p99_8writers', op: '<=', value: 15 },
  { metric: 'federation.killedHolderTakeoverMs', op: '<=', value: 500 },
  { metric: 'federation.taskTreeBuildMs_10000tasks_median', op: '<=', value: 50 },
  { metric: 'extension.activationMs', op: '<=', value: 50 },
  { metric: 'agents.deploy20VsDockerRunLoopRatio', op: '<=', value: 0.5 },
  { metric: 'remote.deploy20VsDockerRunPrefilledRatio', op: '<=', value: 1.0 },
  { metric: 'matrix.noop1000_p50_ratio', op: '<=', value: 1.3 },
  { metric: 'matrix.sleepSchedule_makespanOverCriticalPath', op: '<=', value: 1.05 },
  // The second run of five 1 s units and a 3 s one written last, on two agents, with the first run's history.
  { metric: 'matrix.historyOrder_secondOverLowerBound', op: '<=', value: 1.1 },
  { metric: 'webviews.timelineRenderMs_1000tasks_median', op: '<=', value: 200 },
  { metric: 'brief.brief.validate.5kb.ms', op: '<=', value: 1 },
  { metric: 'brief.brief.validate.1mb.ms', op: '<=', value: 20 },
  { metric: 'brief.brief.ratio.1mb', op: '<=', value: 0.25 },
  { metric: 'brief.brief.ratio.5kb', op: '<=', value: 0.25 },
  { metric: 'mcp.processOverMcp_p50_ratio', op: '>=', value: 10 },
];

function bundleSizes(): Record<string, number> {
  const out = path.join(repo, '.tmp', 'bench-dist');
  execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs'), '--production', '--outdir', out], { cwd: repo, stdio: 'inherit' });
  const sizes: Record<string, number> = {};
  for (const f of ['extension.js', 'cli.js', 'docker.js', 'mcp.js']) {
    if (existsSync(path.join(out, f))) sizes[`${f.replace('.js', '')}Bytes_minified`] = statSync(path.join(out, f)).size;
  }
  rmSync(out, { recursive: true, force: true });
  return sizes;
}

/** Activation time as measured inside the real editor by the last in-editor test run, if there was one. */
function activation(): Record<string, number> {
  const file = path.join(repo, 'test-results', 'activation.json');
  if (!existsSync(file)) return {};
  const data = JSON.parse(readFileSync(file, 'utf8')) as { activationMs: number };
  return { activationMs: round(data.activationMs) };
}

async function main(): Promise<void> {
  const results: Record<string, Record<string, number>> = {};
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  // The matrix comparison first: it is the most sensitive to what ran before it (the others' files and the
  // Docker engine's clean-up after the agents benchmark). Files are removed at the end (scratch.ts).
  if (want('matrix')) {
    console.log('bench: matrix runner vs xargs -P 50, a sleep schedule vs its critical path, scheduling from history…');
    results['matrix'] = await benchMatrix();
    settle();
  }
  if (want('federation')) {
    console.log('bench: federation (1 and 8 writer processes on files, 8 on NATS, the naive loop, tree build)…');
    results['federation'] = await benchFederation();
    settle();
  }
  if (want('mcp')) {
    console.log('bench: claim_next_task over one MCP session vs `federation task claim` processes…');
    results['mcp'] = await benchMcp();
    settle();
  }
  if (want('brief')) {
    console.log('bench: brief validation (ours and markdownlint)…');
    results['brief'] = await benchBrief();
  }
  if (want('agents')) {
    console.log('bench: deploy 20 agents vs a docker run loop (needs a Docker engine)…');
    try {
      results['agents'] = await benchAgents();
    } catch (e) {
      console.log(`bench: agents skipped: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (want('remote')) {
    console.log('bench: deploy 20 agents to a second engine that cannot see our files vs docker run with filled volumes…');
    try {
      results['remote'] = await benchRemote();
    } catch (e) {
      console.log(`bench: remote skipped: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (want('webviews')) {
    console.log('bench: report panel rendering in headless chromium…');
    results['webviews'] = await benchWebviews();
  }
  if (want('bundle')) {
    console.log('bench: bundle sizes…');
    results['extension'] = { ...bundleSizes(), ...activation() };
  }
  // A run of some groups (`npm run bench -- brief`) keeps the other groups' last figures.
  const resultsFile = path.join(repo, 'bench', 'results.json');
  if (only.length > 0 && existsSync(resultsFile)) {
    const previous = JSON.parse(readFileSync(resultsFile, 'utf8')) as { results?: Record<string, Record<string, number>> };
    for (const [group, values] of Object.entries(previous.results ?? {})) if (!(group in results)) results[group] = values;
  }
  const checks = TARGETS.flatMap((t) => {
    const dot = t.metric.indexOf('.');
    const [group, key] = [t.metric.slice(0, dot), t.metric.slice(dot + 1)];
    const actual = results[group]?.[key];
    if (actual === undefined) return [];
    return [{ ...t, actual, pass: t.op === '<=' ? actual <= t.value : actual >= t.value }];
  });
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
    results,
    targets: checks,
  };
  mkdirSync(path.join(repo, 'bench'), { recursive: true });
  writeFileSync(resultsFile, JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify(report.results, null, 2));
  for (const c of checks) console.log(`${c.pass ? 'PASS' : 'MISS'} ${c.metric} = ${c.actual} (target ${c.op} ${c.value})`);
  console.log('wrote bench/results.json');
}

main().then(removeScratch, (e: unknown) => {
  console.error(e);
  removeScratch();
  process.exit(1);
});
