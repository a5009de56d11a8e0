// The pull request calls of the fake GitHub server (fakeGithub.ts): the repository, opening a pull request and
// listing them, with GitHub's documented answers, its 422s among them ("A pull request already exists", a head
// branch the repository does not have).

export interface FakePull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  state: 'open' | 'closed';
}

export interface FakePullsOptions {
  /** Whether the repository has this branch (the bare repository the test pushes to); by default every branch. */
  hasBranch?: (branch: string) => boolean;
}

type Send = (status: number, data?: unknown) => void;

export class FakePulls {
  readonly pulls: FakePull[] = [];

  constructor(
    private readonly owner: string,
    private readonly repo: string,
    private readonly o: FakePullsOptions = {},
  ) {}

  private json(p: FakePull): Record<string, unknown> {
    const branch = (ref: string) => ({ label: `${this.owner}:${ref}`, ref, sha: '009b8a3a9ccbb128af87f9b1c0f4c62e8a304f6d', repo: { full_name: `${this.owner}/${this.repo}` } });
    return {
      id: 50_000 + p.number,
      number: p.number,
      state: p.state,
      title: p.title,
      body: p.body,
      draft: p.draft,
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${p.number}`,
      url: `https://api.github.com/repos/${this.owner}/${this.repo}/pulls/${p.number}`,
      head: branch(p.head),
      base: branch(p.base),
    };
  }

  /** Answers the request when it is one of these calls; false when it is not. */
  handle(method: string, url: URL, body: string, send: Send): boolean {
    const repoBase = `/repos/${this.owner}/${this.repo}`;
    if (method === 'GET' && url.pathname === repoBase) {
      send(200, { id: 1, name: this.repo, full_name: `${this.owner}/${this.repo}`, private: false, default_branch: 'main', permissions: { admin: false, push: true, pull: true } });
      return true;
    }
    if (url.pathname !== `${repoBase}/pulls`) return false;
    if (method === 'POST') {
      const pr = JSON.parse(body || '{}') as { head?: string; base?: string; title?: string; body?: string; draft?: boolean };
      const invalid = (field: string) => send(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field, code: 'invalid' }], documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request' });
      if (!pr.head || !pr.base || !pr.title) return (send(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'missing_field' }] }), true);
      if (this.o.hasBranch && !this.o.hasBranch(pr.head)) return (invalid('head'), true);
      if (this.o.hasBranch && !this.o.hasBranch(pr.base)) return (invalid('base'), true);
      if (this.pulls.some((p) => p.state === 'open' && p.head === pr.head && p.base === pr.base)) {
        send(422, {
          message: 'Validation Failed',
          errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.owner}:${pr.head}.` }],
          documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
        });
        return true;
      }
      const p: FakePull = { number: this.pulls.length + 1, head: pr.head, base: pr.base, title: pr.title, body: pr.body ?? '', draft: pr.draft ?? false, state: 'open' };
      this.pulls.push(p);
      send(201, this.json(p));
      return true;
    }
    if (method === 'GET') {
      const head = url.searchParams.get('head');
      const base = url.searchParams.get('base');
      const state = url.searchParams.get('state') ?? 'open';
      const found = this.pulls.filter((p) => (!head || `${this.owner}:${p.head}` === head) && (!base || p.base === base) && (state === 'all' || p.state === state));
      send(200, found.map((p) => this.json(p)));
      return true;
    }
    return false;
  }
}
