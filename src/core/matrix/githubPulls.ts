// The pull request calls a task's `merge --pr` needs, over the matrix's GitHub client (github.ts), so that the
// token, the rate-limit waits and the typed errors are the same for both: whether the token can see the
// repository (asked before anything is pushed), opening a pull request, and finding the open one for a branch.
import type { GithubActions } from './github';
import type { NewPullRequest, PullRequestHost, PullRequestInfo } from '../worktrees/pullRequest';

/** For a 403: what a fine-grained token lacks. */
const PULLS_PERMISSION = 'the "Pull requests: write" and "Contents: read" permissions';

interface PullJson {
  number: number;
  html_url: string;
  state: string;
  draft?: boolean | undefined;
  head: { ref: string };
  base: { ref: string };
}

function info(p: PullJson): PullRequestInfo {
  return { number: p.number, url: p.html_url, state: p.state, draft: p.draft ?? false, head: p.head.ref, base: p.base.ref };
}

export class GithubPulls implements PullRequestHost {
  constructor(private readonly api: GithubActions) {}

  get owner(): string {
    return this.api.owner;
  }

  get repo(): string {
    return this.api.repo;
  }

  async checkAccess(signal?: AbortSignal): Promise<void> {
    await this.api.call({ what: `reading ${this.api.slug}`, notFound: this.api.repoNotFound(), forbidden: PULLS_PERMISSION, ...(signal ? { signal } : {}) }, (o, s) =>
      o.request('GET /repos/{owner}/{repo}', { owner: this.owner, repo: this.repo, request: { signal: s } }),
    );
  }

  async create(pr: NewPullRequest, signal?: AbortSignal): Promise<PullRequestInfo> {
    const r = await this.api.call(
      { what: `opening a pull request from ${pr.head} into ${pr.base}`, notFound: this.api.repoNotFound(), forbidden: PULLS_PERMISSION, ...(signal ? { signal } : {}) },
      (o, s) =>
        o.request('POST /repos/{owner}/{repo}/pulls', {
          owner: this.owner,
          repo: this.repo,
          head: pr.head,
          base: pr.base,
          title: pr.title,
          body: pr.body,
          draft: pr.draft,
          request: { signal: s },
        }),
    );
    return info(r.data);
  }

  async findOpen(head: string, base: string, signal?: AbortSignal): Promise<PullRequestInfo | undefined> {
    // GitHub filters by "owner:branch"; one open pull request per head and base can exist.
    const r = await this.api.call({ what: `looking for the pull request from ${head}`, notFound: this.api.repoNotFound(), forbidden: PULLS_PERMISSION, ...(signal ? { signal } : {}) }, (o, s) =>
      o.request('GET /repos/{owner}/{repo}/pulls', { owner: this.owner, repo: this.repo, head: `${this.owner}:${head}`, base, state: 'open', per_page: 10, request: { signal: s } }),
    );
    const found = r.data.find((p) => p.head.ref === head && p.base.ref === base);
    return found ? info(found) : undefined;
  }
}
