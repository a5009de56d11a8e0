// `federation matrix github-run`: dispatches the generated workflow on GitHub, follows its jobs (progress on
// stderr), fetches the report artifact and saves it under .federation/runs/gh-<id>-<attempt>/ like a local run.
// With --run gh-<id>-<attempt> it dispatches nothing and takes up a run started earlier (an interrupted follow).
// The token comes from GITHUB_TOKEN (or GH_TOKEN); the API URL from --api-url, else GITHUB_API_URL, else github.com.
// githubClient makes the client so for `task merge --pr` too.
import * as path from 'node:path';
import { DEFAULT_GITHUB_API_URL, GithubActions, JobInfo } from '../../core/matrix/github';
import { GithubRepo, currentBranch, resolveRepo } from '../../core/matrix/githubRemote';
import { describeSkippedLogs, GithubRunEvent, parseGithubRunId, resumeGithubRun, runOnGithub, saveGithubReport, WORKFLOW_NAME } from '../../core/matrix/githubRun';
import { stringFlag } from '../args';
import { CliContext, EXIT, ParsedArgs, SubcommandSpec, UsageError } from '../types';

export const GITHUB_RUN_SPEC: SubcommandSpec = {
  usage: '[--repo OWNER/REPO] [--ref BRANCH | --run gh-ID-ATTEMPT] [--api-url URL] [--workflow FILE] [--poll SECONDS]   (token: $GITHUB_TOKEN)',
  flags: { repo: 'value', ref: 'value', run: 'value', 'api-url': 'value', workflow: 'value', poll: 'value' },
};

/**
 * The API client as the CLI's GitHub commands make it: the URL from --api-url, else GITHUB_API_URL, else
 * github.com; the repository from --repo, else the remote's URL; the token from GITHUB_TOKEN (or GH_TOKEN).
 */
export async function githubClient(ctx: CliContext, args: ParsedArgs, remote?: string): Promise<{ api: GithubActions; baseUrl: string } & GithubRepo> {
  const { fs, env } = ctx.services.ports;
  const baseUrl = stringFlag(args, 'api-url') ?? env['GITHUB_API_URL'] ?? DEFAULT_GITHUB_API_URL;
  if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`--api-url must be an http(s) URL, got "${baseUrl}"`);
  const { owner, repo } = await resolveRepo(fs, ctx.root, stringFlag(args, 'repo'), remote);
  const api = new GithubActions({
    baseUrl,
    owner,
    repo,
    token: async () => env['GITHUB_TOKEN'] || env['GH_TOKEN'] || undefined,
    onWait: (w) => ctx.err(`GitHub rate limit (${w.status}): waiting ${Math.ceil(w.ms / 1000)} s`),
  });
  return { api, baseUrl, owner, repo };
}

function jobLine(j: JobInfo): string {
  return `  ${j.name}: ${j.status === 'completed' ? (j.conclusion ?? 'completed') : j.status.replace('_', ' ')}`;
}

export async function githubRun(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const poll = stringFlag(args, 'poll');
  if (poll !== undefined && !(Number(poll) > 0)) throw new UsageError(`--poll takes seconds, got "${poll}"`);
  // --run: a run already started, to take up (the same flag names a run for "matrix report").
  const follow = stringFlag(args, 'run');
  if (follow !== undefined && !parseGithubRunId(follow)) throw new UsageError(`--run takes a GitHub run's id as the Runs view and "matrix runs" show it (gh-<run id>-<attempt>), got "${follow}"`);
  if (follow !== undefined && stringFlag(args, 'ref') !== undefined) throw new UsageError('--run takes up a run already started: it has no --ref');
  const { fs } = ctx.services.ports;
  const { api, baseUrl, owner, repo } = await githubClient(ctx, args);
  const controller = new AbortController();
  let current: string | undefined;
  const onSigint = () => {
    ctx.err(`federation matrix: interrupted; the run goes on on GitHub${current ? ` (take it up again: federation matrix github-run --run ${current})` : ''}`);
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    const seen = new Map<number, string>();
    const common = {
      api,
      workflow: stringFlag(args, 'workflow') ?? WORKFLOW_NAME,
      signal: controller.signal,
      ...(poll !== undefined ? { pollMs: Number(poll) * 1000 } : {}),
      onEvent: (e: GithubRunEvent) => {
        if (e.type === 'run-found') current = e.runId;
        if (ctx.json) return;
        if (e.type === 'dispatched') ctx.err(`dispatched ${e.workflow} on ${owner}/${repo}@${e.ref}`);
        else if (e.type === 'run-found') {
          ctx.err(`run ${e.run.id} (${e.runId}): ${e.run.htmlUrl}`);
          if (follow !== undefined && e.runId !== follow) ctx.err(`  it was re-run on GitHub since ${follow}: following its newest attempt`);
        }
        else if (e.type === 'progress') {
          for (const j of e.jobs) {
            const line = jobLine(j);
            if (seen.get(j.id) !== line) ctx.err(line);
            seen.set(j.id, line);
          }
        } else if (e.type === 'poll-failed') ctx.err(`  (GitHub did not answer: ${e.error.message}; trying again)`);
        else if (e.type === 'report' && !e.report) ctx.err(`no report: ${e.problem ?? 'unknown'}`);
      },
    };
    const outcome =
      follow !== undefined
        ? await resumeGithubRun(common, follow)
        : await runOnGithub({
            ...common,
            ref: stringFlag(args, 'ref') ?? (await currentBranch(fs, ctx.root)) ?? (await api.defaultBranch(controller.signal)),
            // github.com answers the new run's id; GitHub Enterprise Server may not know the parameter.
            returnRunDetails: baseUrl.replace(/\/+$/, '') === DEFAULT_GITHUB_API_URL,
          });
    const dir = outcome.report ? await saveGithubReport(fs, ctx.root, outcome.report, outcome.logs) : undefined;
    const value = {
      runId: outcome.runId,
      status: outcome.status,
      run: { id: outcome.run.id, attempt: outcome.run.attempt, url: outcome.run.htmlUrl, conclusion: outcome.run.conclusion },
      jobs: outcome.jobs.map((j) => ({ name: j.name, status: j.status, conclusion: j.conclusion, url: j.htmlUrl })),
      report: outcome.report ? { summary: outcome.report.summary, tasks: outcome.report.tasks } : null,
      ...(outcome.reportProblem ? { reportProblem: outcome.reportProblem } : {}),
      skippedLogs: outcome.skippedLogs,
      dir: dir ? path.relative(ctx.root, dir) : null,
    };
    ctx.print(value, () =>
      [
        `run ${outcome.runId}: ${outcome.status} (${outcome.run.htmlUrl})`,
        outcome.report
          ? `  ${outcome.report.summary.counts.passed}/${outcome.report.summary.counts.units} passed; saved in ${value.dir}; "federation matrix report --run ${outcome.runId}" shows it`
          : `  no report: ${outcome.reportProblem ?? 'unknown'}`,
        ...(outcome.skippedLogs.length ? [`  ${describeSkippedLogs(outcome.skippedLogs)}`] : []),
      ].join('\n'),
    );
    return outcome.status === 'passed' ? EXIT.ok : EXIT.error;
  } catch (e) {
    if (controller.signal.aborted) return 130;
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
