// `federation matrix …`: validate, plan, set up, run and report the CI matrix of .github/multi-agent-config.yml,
// and write its GitHub Actions workflow. Exit codes: 0 ok, 1 bad config, an unreachable engine or a blocking task
// failure, 2 usage, 130 cancelled by SIGINT. JSON shapes: docs/matrix.md.
import * as path from 'node:path';
import { FederationError, isFederationError } from '../../core/errors';
import { dockerFindings, imageFindings, ISOLATIONS, Isolation, planImages } from '../../core/matrix/dockerIsolation';
import { RUN_ORDERS } from '../../core/matrix/history';
import { loadMatrixConfig } from '../../core/matrix/load';
import { MatrixPlan, planMatrix } from '../../core/matrix/plan';
import { renderJsonReport, renderMarkdownReport, statusLabel } from '../../core/matrix/report';
import { listRuns, readRun, RUN_ID_PATTERN, RUNS_DIR } from '../../core/matrix/results';
import { describeDelivery, notificationVariables, type NotificationDelivery } from '../../core/matrix/notifications';
import { MatrixEvent } from '../../core/matrix/runner';
import { configError, MatrixService, type PlanRequest } from '../../core/matrix/service';
import { formatFinding, MatrixFinding } from '../../core/matrix/validate';
import { DEFAULT_CLI, generateWorkflow, githubOutputLines, workflowJobIds, WORKFLOW_FILE } from '../../core/matrix/workflow';
import { parsePartsFlag } from '../../core/matrix/workflowMatrix';
import { loadRun } from '../../core/reports/data';
import { exportHtml } from '../../core/reports/html';
import type { FileSystem } from '../../core/ports';
import { githubRun, GITHUB_RUN_SPEC } from './matrixGithub';
import { OTLP_FLAGS, otlpReport, otlpTargets } from './matrixOtlp';
import { boolFlag, choiceFlag, defineCommand, intFlag, listFlag, positional, stringFlag } from '../args';
import { printable } from '../printable';
import { CliCommand, CliContext, EXIT, ParsedArgs, UsageError } from '../types';

export const EXIT_CANCELLED = 130;

/** --isolation: process (default; "local" is its old name) or docker. */
function isolationFlag(args: ParsedArgs): Isolation {
  const v = stringFlag(args, 'isolation') ?? 'process';
  const isolation = v === 'local' ? 'process' : v;
  if (!(ISOLATIONS as readonly string[]).includes(isolation)) throw new UsageError(`--isolation is process or docker, got "${v}"`);
  return isolation as Isolation;
}

function printFindings(ctx: CliContext, findings: MatrixFinding[]): void {
  for (const f of findings) ctx.err(formatFinding(f));
}

/** The matrix service, with workspace commands allowed (and remembered) when the command line says so. */
function service(ctx: CliContext, args: ParsedArgs): MatrixService {
  return ctx.services.matrix(boolFlag(args, 'allow-workspace-commands'));
}

/** The plan's slice from the command line; a malformed value is a usage error before the service is asked. */
function planRequest(args: ParsedArgs, checkModules = true): PlanRequest {
  // Words after the subcommand are more --only tasks (the flag table allows them only with --only).
  const only = [...listFlag(args, 'only'), ...args.positionals.slice(1)];
  const priority = stringFlag(args, 'priority');
  const maxParallel = intFlag(args, 'max-parallel');
  if (maxParallel !== undefined && maxParallel < 1) throw new UsageError('--max-parallel must be at least 1');
  if (priority !== undefined && !/^(priority_)?\d+$/.test(priority)) throw new UsageError(`--priority takes a number or priority_N, got "${priority}"`);
  const configFile = stringFlag(args, 'config');
  const unit = stringFlag(args, 'unit');
  return {
    checkModules,
    ...(configFile !== undefined ? { configFile } : {}),
    ...(only.length ? { only } : {}),
    ...(priority !== undefined ? { priority } : {}),
    ...(maxParallel !== undefined ? { maxParallel } : {}),
    ...(unit !== undefined ? { unit } : {}),
  };
}

/**
 * Runs `fn`; a config with errors (the service's configError, which carries every finding) is printed as the
 * findings (and their JSON document under --json), exit 1.
 */
async function withConfig(ctx: CliContext, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    const findings = isFederationError(e, 'invalid-input') ? e.details['findings'] : undefined;
    if (!Array.isArray(findings)) throw e;
    if (ctx.json) ctx.out(JSON.stringify({ valid: false, findings }, null, 2));
    printFindings(ctx, findings as MatrixFinding[]);
    return EXIT.error;
  }
}

/** Plans through the service, printing the config's warnings. */
async function planned(ctx: CliContext, args: ParsedArgs, checkModules = true): Promise<Awaited<ReturnType<MatrixService['plan']>>> {
  const result = await service(ctx, args).plan(planRequest(args, checkModules));
  printFindings(ctx, result.loaded.findings.filter((f) => f.severity === 'warning'));
  return result;
}

/** Each delivery on stderr (URLs redacted already), unless --json (where they are a field of the answer). */
function printDeliveries(ctx: CliContext, deliveries: readonly NotificationDelivery[]): void {
  if (ctx.json) return;
  for (const d of deliveries) ctx.err(printable(describeDelivery(d), { oneLine: true }));
}

function humanPlan(plan: MatrixPlan): string {
  const lines = [`${plan.unitCount} unit(s) from ${plan.taskCount} task(s) in ${plan.waves.length} wave(s), up to ${plan.maxAgents} agent(s) at once`];
  for (const w of plan.waves) {
    lines.push(`wave ${w.index + 1}: ${w.priority} "${w.name}"${w.dependsOn.length ? ` after ${w.dependsOn.join(', ')}` : ''}: ${w.units.length} unit(s) on ${w.agents} agent(s)${w.failFast ? ', fail_fast' : ''}${w.parallel ? '' : ', one at a time'}`);
    for (const u of w.units) lines.push(`  ${u.id.padEnd(28)} ${u.module.padEnd(14)} ${u.command}  (${u.timeoutMinutes} min${u.retry.maxAttempts > 1 ? `, ${u.retry.maxAttempts} attempts` : ''}${u.allowWarnings ? ', allow_warnings' : ''})`);
  }
  return lines.map((l) => printable(l, { oneLine: true })).join('\n');
}

function progressLine(e: MatrixEvent): string | undefined {
  switch (e.type) {
    case 'setup-finished':
      return e.results.length ? `setup: ${e.results.map((r) => `${r.module} ${r.action}${r.error ? ` (${r.error})` : ''}`).join(', ')}` : undefined;
    case 'wave-started':
      return `wave ${e.wave + 1} ${e.priority} "${e.name}": ${e.units} unit(s) on ${e.agents} agent(s)`;
    case 'task-retrying':
      return `  ${e.unit}: ${e.previous === 'timed_out' ? 'timed out' : 'failed'}, attempt ${e.nextAttempt} in ${(e.delayMs / 1000).toFixed(1)} s`;
    case 'task-finished': {
      const r = e.result;
      return `  ${r.unit}: ${statusLabel(r)}${r.reason ? ` (${r.reason})` : ''} in ${(r.durationMs / 1000).toFixed(1)} s${r.log ? `, log ${r.log}` : ''}`;
    }
    case 'wave-finished':
      return `wave ${e.wave.index + 1} done in ${(e.wave.durationMs / 1000).toFixed(1)} s: ${e.wave.passed} passed, ${e.wave.failed} failed${e.wave.stopped ? ' (fail_fast)' : ''}`;
    default:
      return undefined;
  }
}

/** The run report panel's page as one self-contained file (script, styles and data inlined; works offline). */
async function htmlReport(disk: FileSystem, root: string, runId: string): Promise<string> {
  // dist/cli.js ships next to dist/webviews/; from out/ (tests) the bundles are in the repository's dist/.
  const candidates = [path.join(__dirname, 'webviews'), path.resolve(__dirname, '..', '..', '..', '..', 'dist', 'webviews')];
  for (const dir of candidates) {
    try {
      const [script, css] = await Promise.all([disk.readFile(path.join(dir, 'run.js'), 'utf8'), disk.readFile(path.join(dir, 'run.css'), 'utf8')]);
      const { model } = await loadRun(disk, root, runId);
      return exportHtml({ kind: 'run', title: `Matrix run ${runId}`, model, script, css });
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
  }
  throw new FederationError('not-found', `The report page bundle (webviews/run.js) is missing next to the CLI; build with "npm run build".`, {});
}

const CONFIG = { config: 'value' } as const;
// A plain value: isolationFlag() checks it, so that "local" (the old name of process) stays unadvertised.
const ISOLATION = { isolation: 'value' } as const;
const PLAN = { only: 'list', priority: 'value', 'max-parallel': 'value' } as const;
const REPORT_FORMATS = ['json', 'md', 'html', 'otlp'] as const;

export const matrixCommand: CliCommand = defineCommand(
  'matrix',
  {
    validate: { usage: '[--config F] [--isolation process|docker]', flags: { ...CONFIG, ...ISOLATION } },
    plan: {
      usage: '[--config F] [--only TASK…] [--priority N] [--max-parallel N] [--unit ID] [--github-output FILE [--github-parts priority_N=K,…]]',
      flags: { ...CONFIG, ...PLAN, unit: 'value', 'github-output': 'value', 'github-parts': 'value' },
      wordsOf: 'only',
    },
    setup: {
      usage: '[--config F] [--only TASK…] [--priority N] [--unit ID] [--install-command CMD] [--allow-workspace-commands]',
      flags: { ...CONFIG, only: 'list', priority: 'value', unit: 'value', 'install-command': 'value', 'allow-workspace-commands': 'bool' },
      wordsOf: 'only',
    },
    run: {
      usage:
        '[--config F] [--only TASK…] [--priority N] [--max-parallel N] [--unit ID] [--run-id ID] [--no-setup] [--install-command CMD] [--grace SECONDS] [--isolation process|docker] [--order history|config] [--allow-workspace-commands]',
      flags: { ...CONFIG, ...PLAN, ...ISOLATION, unit: 'value', 'run-id': 'value', 'no-setup': 'bool', 'install-command': 'value', grace: 'value', order: RUN_ORDERS, 'allow-workspace-commands': 'bool' },
      wordsOf: 'only',
    },
    notify: { usage: '[--config F] [--run ID]   (tells the config\'s webhooks how a run ended: the workflow\'s report job)', flags: { ...CONFIG, run: 'value' } },
    runs: { usage: '' },
    clean: { usage: '[--run ID]   (removes task containers a crashed --isolation docker run left)', flags: { run: 'value' } },
    report: {
      usage: `[--run ID] [--format ${REPORT_FORMATS.join('|')}] [--out FILE] [--otlp-endpoint URL] [--otlp-timeout SECONDS]   (otlp: --out and/or --otlp-endpoint)`,
      flags: { run: 'value', format: REPORT_FORMATS, out: 'value', ...OTLP_FLAGS },
    },
    workflow: {
      usage: `[--config F] [--only TASK…] [--priority N] [--max-parallel N] [--out FILE] [--cli CMD] [--isolation process|docker]   (default out: ${WORKFLOW_FILE})`,
      flags: { ...CONFIG, ...PLAN, ...ISOLATION, out: 'value', cli: 'value' },
      wordsOf: 'only',
    },
    'github-run': GITHUB_RUN_SPEC,
  },
  async (ctx, args) => {
    const sub = positional(args, 0, 'a matrix subcommand (validate, plan, setup, run, notify, runs, clean, report, workflow, github-run)');
    switch (sub) {
      case 'validate': {
        const isolation = isolationFlag(args);
        const loaded = await loadMatrixConfig(ctx.services.ports.fs, ctx.root, stringFlag(args, 'config'));
        if (loaded.config && isolation === 'docker') {
          const missing = dockerFindings(ctx.services.ports.fs, loaded.text, loaded.shownAs, loaded.config, planMatrix(loaded.config), ctx.root);
          if (missing.length) {
            loaded.findings.push(...missing);
            delete loaded.config;
          }
        }
        const valid = loaded.config !== undefined;
        if (ctx.json) ctx.out(JSON.stringify({ valid, findings: loaded.findings }, null, 2));
        printFindings(ctx, loaded.findings);
        if (!ctx.json && valid) ctx.out(printable(`${loaded.shownAs}: valid (${Object.keys(loaded.config!.tasks).length} tasks, ${Object.keys(loaded.config!.priorities).length} priorities)`));
        return valid ? EXIT.ok : EXIT.error;
      }
      case 'plan':
        return withConfig(ctx, async () => {
          const { plan } = await planned(ctx, args, false);
          const githubOutput = stringFlag(args, 'github-output');
          const partsText = stringFlag(args, 'github-parts');
          const parts = partsText === undefined ? new Map<string, number>() : parsePartsFlag(partsText);
          if (parts === undefined) throw new UsageError(`--github-parts takes priority_N=K,… (the workflow's jobs per wave), got "${partsText}"`);
          if (partsText !== undefined && githubOutput === undefined) throw new UsageError('--github-parts goes with --github-output');
          if (githubOutput !== undefined) await ctx.services.ports.fs.appendFile(path.resolve(ctx.root, githubOutput), githubOutputLines(plan, parts).join('\n') + '\n');
          ctx.print(plan, () => humanPlan(plan));
          return EXIT.ok;
        });
      case 'setup':
        return withConfig(ctx, async () => {
          const install = stringFlag(args, 'install-command');
          const results = await service(ctx, args).setup({ ...planRequest(args), ...(install !== undefined ? { installCommand: install } : {}) });
          ctx.print({ setup: results }, () => results.map((r) => printable(`${r.module}: ${r.action}${r.lockfile ? ` (${r.lockfile})` : ''}${r.error ? `: ${r.error}` : ''}`, { oneLine: true })).join('\n') || 'No modules.');
          return results.some((r) => r.action === 'failed') ? EXIT.error : EXIT.ok;
        });
      case 'run': {
        const isolation = isolationFlag(args);
        const noSetup = boolFlag(args, 'no-setup');
        const runId = stringFlag(args, 'run-id');
        if (runId !== undefined && !RUN_ID_PATTERN.test(runId)) throw new UsageError(`--run-id must be letters, digits, ., _ and -, got "${runId}"`);
        const grace = stringFlag(args, 'grace');
        if (grace !== undefined && !(Number(grace) >= 0)) throw new UsageError(`--grace takes seconds, got "${grace}"`);
        const install = stringFlag(args, 'install-command');
        const order = choiceFlag(args, 'order', RUN_ORDERS);
        const request = planRequest(args);
        const controller = new AbortController();
        const onSigint = () => {
          ctx.err('federation matrix: interrupted, stopping every task…');
          controller.abort();
        };
        process.once('SIGINT', onSigint);
        try {
          return await withConfig(ctx, async () => {
            const outcome = await service(ctx, args).run({
              ...request,
              isolation,
              signal: controller.signal,
              setup: noSetup ? false : install !== undefined ? { installCommand: install } : {},
              ...(runId !== undefined ? { runId } : {}),
              ...(grace !== undefined ? { graceMs: Number(grace) * 1000 } : {}),
              ...(order !== undefined ? { order } : {}),
              onWarnings: (w: MatrixFinding[]) => printFindings(ctx, w),
              onEvent: (e) => {
                if (ctx.json) return;
                const line = progressLine(e);
                if (line) ctx.err(line);
              },
            });
            const s = outcome.summary;
            // Before the summary: a failed delivery is a line on stderr and a field under --json, never the exit code.
            printDeliveries(ctx, outcome.notifications);
            ctx.print({ runId: outcome.runId, dir: path.relative(ctx.root, outcome.dir), summary: s, notifications: outcome.notifications }, () =>
              [
                `run ${outcome.runId}: ${s.status}: ${s.counts.passed}/${s.counts.units} passed, ${s.counts.blockingFailures} blocking failure(s), ${s.counts.allowedFailures} allowed`,
                `  ${(s.totalMs / 1000).toFixed(1)} s in all, waves ${(s.executionMs / 1000).toFixed(1)} s (lower bound ${(s.criticalPathMs / 1000).toFixed(1)} s), speedup ${s.speedup.toFixed(2)}×, efficiency ${Math.round(s.efficiency * 100)}%`,
                `  results in ${path.relative(ctx.root, outcome.dir)}; "federation matrix report" shows them`,
              ].join('\n'),
            );
            if (s.status === 'cancelled') return EXIT_CANCELLED;
            return s.status === 'passed' ? EXIT.ok : EXIT.error;
          });
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
      }
      case 'notify':
        return withConfig(ctx, async () => {
          const run = stringFlag(args, 'run');
          if (run !== undefined && !RUN_ID_PATTERN.test(run)) throw new UsageError(`--run must be a run id, got "${run}"`);
          const configFile = stringFlag(args, 'config');
          const { runId, notifications } = await service(ctx, args).notify({ ...(run !== undefined ? { runId: run } : {}), ...(configFile !== undefined ? { configFile } : {}) });
          printDeliveries(ctx, notifications);
          ctx.print({ runId, notifications }, () => (notifications.length ? `run ${runId}: ${notifications.filter((n) => n.ok).length}/${notifications.length} webhook(s) notified` : `run ${runId}: no webhook is due (notifications.on)`));
          // Like a run's: a webhook that did not answer never fails the job it runs in.
          return EXIT.ok;
        });
      case 'clean': {
        const run = stringFlag(args, 'run');
        if (run !== undefined && !RUN_ID_PATTERN.test(run)) throw new UsageError(`--run must be a run id, got "${run}"`);
        const removed = await service(ctx, args).clean(run);
        ctx.print({ removed }, () => (removed.length ? removed.map((n) => `removed ${n}`).join('\n') : 'No task containers left.'));
        return EXIT.ok;
      }
      case 'runs': {
        const runs = await listRuns(ctx.services.ports.fs, ctx.root);
        ctx.print({ runs: runs.map((r) => ({ ...r, dir: path.relative(ctx.root, r.dir) })) }, () => runs.map((r) => printable(`${r.runId.padEnd(28)} ${r.status.padEnd(10)} ${r.startedAt}`, { oneLine: true })).join('\n') || `No runs under ${RUNS_DIR}.`);
        return EXIT.ok;
      }
      case 'report': {
        const otlpFlag = Object.keys(OTLP_FLAGS).find((f) => args.flags.has(f));
        // --otlp-endpoint alone means --format otlp; with another format it is a mistake.
        const format = choiceFlag(args, 'format', REPORT_FORMATS) ?? (otlpFlag ? 'otlp' : ctx.json ? 'json' : 'md');
        if (otlpFlag && format !== 'otlp') throw new UsageError(`--${otlpFlag} goes with --format otlp, not ${format}`);
        const run = stringFlag(args, 'run');
        if (run !== undefined && !RUN_ID_PATTERN.test(run)) throw new UsageError(`--run must be a run id, got "${run}"`);
        const targets = format === 'otlp' ? otlpTargets(args) : undefined;
        const { summary, tasks } = await readRun(ctx.services.ports.fs, ctx.root, run);
        if (targets) return otlpReport(ctx, targets, summary, tasks);
        const text = format === 'json' ? renderJsonReport(summary, tasks) : format === 'md' ? renderMarkdownReport(summary, tasks) : await htmlReport(ctx.services.ports.fs, ctx.root, summary.runId);
        const out = stringFlag(args, 'out');
        if (out !== undefined) {
          const file = path.resolve(ctx.root, out);
          await ctx.services.ports.fs.mkdir(path.dirname(file), { recursive: true });
          await ctx.services.ports.fs.writeFile(file, text);
          if (!ctx.json) ctx.out(printable(`wrote ${path.relative(ctx.root, file)}`));
          else ctx.out(JSON.stringify({ runId: summary.runId, out: file, format }, null, 2));
        } else {
          // JSON and HTML go out exact; the Markdown report is read in the terminal.
          ctx.out(format === 'md' ? printable(text.replace(/\n$/, '')) : text.replace(/\n$/, ''));
        }
        return EXIT.ok;
      }
      case 'workflow':
        return withConfig(ctx, async () => {
          const { loaded, plan } = await planned(ctx, args, false);
          // --isolation docker: the workers pull every task's image and run with docker isolation; a task without
          // an image is the same config error as for a local docker run.
          const docker = isolationFlag(args) === 'docker';
          if (docker) {
            const missing = imageFindings(loaded.text, loaded.shownAs, loaded.config, plan);
            if (missing.length) throw configError(loaded, missing, 'nothing was written');
          }
          const text = generateWorkflow(plan, {
            configFile: loaded.shownAs.split(path.sep).join('/'),
            cli: stringFlag(args, 'cli') ?? DEFAULT_CLI,
            ...(docker ? { docker: { images: planImages(loaded.config, plan) } } : {}),
            ...(loaded.config.notifications ? { notify: { variables: notificationVariables(loaded.config.notifications) } } : {}),
          });
          const file = path.resolve(ctx.root, stringFlag(args, 'out') ?? WORKFLOW_FILE);
          await ctx.services.ports.fs.mkdir(path.dirname(file), { recursive: true });
          await ctx.services.ports.fs.writeFile(file, text);
          ctx.print({ out: path.relative(ctx.root, file), jobs: workflowJobIds(plan) }, () => `wrote ${path.relative(ctx.root, file)}`);
          return EXIT.ok;
        });
      case 'github-run':
        return githubRun(ctx, args);
      default:
        throw new UsageError(`unknown matrix subcommand "${sub}"`);
    }
  },
);
