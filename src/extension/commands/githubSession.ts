// What Start Run on GitHub and Follow Run on GitHub share: the API client (URL from the user's setting, token from
// VS Code's GitHub sign-in) and following a run in a progress notification, with the outcome's message at the end.
import * as vscode from 'vscode';
import { isFederationError } from '../../core/errors';
import type { GithubActions } from '../../core/matrix/github';
import type { GithubRunEvent, GithubRunOutcome } from '../../core/matrix/githubRun';
import type { Options } from './args';
import type { Services } from './registry';
import { showRunEnd } from './runNotice';

const GITHUB_COM_API = 'https://api.github.com';

/** The API URL: the user's (machine-scoped) setting only; a workspace value is ignored, so it cannot redirect the token. */
export function githubApiUrl(): string {
  const inspected = vscode.workspace.getConfiguration('agentFederation').inspect<string>('github.apiUrl');
  const value = (inspected?.globalValue ?? '').trim();
  return (value || GITHUB_COM_API).replace(/\/+$/, '');
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/** What tests and scripts may give Start/Follow Run on GitHub: { repository?, token?, pollSeconds? }. */
export interface GithubOptions {
  repository?: string | undefined;
  token?: string | undefined;
  pollSeconds?: number | undefined;
}

export function githubOptions(o: Options | undefined): GithubOptions {
  return { repository: o?.string('repository'), token: o?.string('token'), pollSeconds: o?.number('pollSeconds') };
}

export interface GithubSession {
  api: GithubActions;
  owner: string;
  repo: string;
  baseUrl: string;
  /** github.com (which answers a dispatch with the run's id), not GitHub Enterprise Server. */
  isGithubCom: boolean;
}

/**
 * The client for the workspace's repository. The token comes from VS Code's GitHub sign-in ("github", or
 * "github-enterprise" for another API URL), asked for with the "repo" scope; `opts.token` (tests, scripts) is
 * accepted only while the API URL points at this machine (a test server), never for GitHub itself. Without the
 * repository setting, the repository is read from `remote`'s URL (origin by default).
 */
export async function githubSession(s: Pick<Services, 'fed' | 'log' | 'ports'>, opts: GithubOptions, remote?: string): Promise<GithubSession> {
  const settings = vscode.workspace.getConfiguration('agentFederation');
  const baseUrl = githubApiUrl();
  const { GithubActions: Client } = require('../../core/matrix/github') as typeof import('../../core/matrix/github');
  const { resolveRepo } = require('../../core/matrix/githubRemote') as typeof import('../../core/matrix/githubRemote');
  const repoSetting = opts.repository ?? settings.get<string>('github.repository', '').trim();
  const { owner, repo } = await resolveRepo(s.ports.fs, s.fed.root, repoSetting || undefined, remote);
  const argToken = opts.token !== undefined && isLoopback(baseUrl) ? opts.token : undefined;
  const provider = baseUrl === GITHUB_COM_API ? 'github' : 'github-enterprise';
  const api: GithubActions = new Client({
    baseUrl,
    owner,
    repo,
    token: async () => argToken ?? (await vscode.authentication.getSession(provider, ['repo'], { createIfNone: true }))?.accessToken,
    onWait: (w) => s.log.warn(`GitHub rate limit (${w.status}, ${w.kind}): waiting ${Math.ceil(w.ms / 1000)} s`),
  });
  return { api, owner, repo, baseUrl, isGithubCom: baseUrl === GITHUB_COM_API };
}

export type FollowOutcome = GithubRunOutcome & { dir?: string };

/**
 * Follows a run in a cancellable notification (`start` dispatches or takes it up), then says how it ended and
 * offers its report. Cancelling stops following only: the run goes on on GitHub. The value is what the command
 * returns to scripts and tests.
 */
export async function followInNotification(
  s: Pick<Services, 'log'>,
  title: string,
  start: (signal: AbortSignal, onEvent: (e: GithubRunEvent) => void) => Promise<FollowOutcome>,
): Promise<Record<string, unknown>> {
  let url: string | undefined;
  const followed = vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    const onEvent = (e: GithubRunEvent) => {
      if (e.type === 'dispatched') progress.report({ message: 'dispatched; waiting for the run to start…' });
      else if (e.type === 'run-found') {
        url = e.run.htmlUrl;
        s.log.info(`GitHub run ${e.run.id} (${e.runId}): ${e.run.htmlUrl}`);
      } else if (e.type === 'progress') {
        const done = e.jobs.filter((j) => j.status === 'completed').length;
        const failed = e.jobs.filter((j) => j.conclusion === 'failure' || j.conclusion === 'timed_out').length;
        progress.report({ message: `${done}/${e.jobs.length} jobs done${failed ? `, ${failed} failed` : ''}` });
      } else if (e.type === 'poll-failed') s.log.warn(`following the GitHub run: ${e.error.message} (try ${e.attempt})`);
      else if (e.type === 'run-completed') progress.report({ message: 'completed; fetching the report…' });
    };
    return start(abort.signal, onEvent);
  });
  let outcome: FollowOutcome;
  try {
    outcome = await followed;
  } catch (e) {
    if (!(isFederationError(e, 'cancelled'))) throw e;
    void vscode.window.showInformationMessage('Stopped following the GitHub run; it goes on on GitHub.', ...(url ? ['Open on GitHub'] : [])).then((pick) => {
      if (pick && url) void vscode.env.openExternal(vscode.Uri.parse(url));
    });
    return { cancelled: true, url: url ?? null };
  }
  showRunEnd({
    label: 'GitHub run',
    runId: outcome.runId,
    status: outcome.status,
    url: outcome.run.htmlUrl,
    ...(outcome.report ? { summary: outcome.report.summary } : { reportProblem: outcome.reportProblem ?? 'unknown' }),
    ...(outcome.skippedLogs.length ? { note: `${outcome.skippedLogs.length} worker log(s) not fetched (too large, or a rate limit).` } : {}),
  });
  return { runId: outcome.runId, status: outcome.status, url: outcome.run.htmlUrl, report: outcome.report ? { summary: outcome.report.summary } : null, reportProblem: outcome.reportProblem ?? null, dir: outcome.dir ?? null };
}
