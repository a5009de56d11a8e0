// A local HTTP server answering the GitHub Actions REST calls the matrix uses, with the documented response
// shapes (workflow dispatch 204 or 200 with return_run_details, workflow runs, jobs, artifacts, an artifact
// download answered with a 302 to a blob URL on the same server, or on a second one: another origin), and the
// pull request calls of fakeGithubPulls.ts. Tests drive the real Octokit client against it.
// Plain node:http, no vscode: used by the unit tests and by the in-editor test alike.
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { FakePull, FakePulls, FakePullsOptions } from './fakeGithubPulls';

export interface FakeJob {
  name: string;
  /** One entry per poll of the jobs list; the last one repeats. */
  states: { status: 'queued' | 'in_progress' | 'completed'; conclusion?: string | null }[];
}

export interface FakeGithubOptions {
  owner?: string;
  repo?: string;
  workflow?: string;
  token?: string;
  runId?: number;
  /** The run is in progress for this many looks at it, then completed with `conclusion`. */
  pollsUntilDone?: number;
  conclusion?: string;
  jobs?: FakeJob[];
  /** name → zip bytes. */
  artifacts?: Record<string, Buffer>;
  /** Answer the first jobs list with a primary rate limit (403, x-ratelimit-remaining 0, reset = now + s). */
  rateLimitJobsOnce?: { resetInSeconds: number; nowMs?: number };
  /** Answer the first run look with 429 retry-after. */
  retryAfterOnce?: number;
  /** The dispatch answers 404 (no such workflow). */
  noWorkflow?: boolean;
  /** The run stays in progress forever. */
  neverEnds?: boolean;
  /** The run's attempt (default 1) and when that attempt started (default 2026-01-01T10:00:00Z). */
  runAttempt?: number;
  runStartedAt?: string;
  /** Artifacts listed before `artifacts`, names may repeat (an earlier attempt's); created_at default 10:04. */
  moreArtifacts?: { name: string; zip: Buffer; createdAt?: string }[];
  /** created_at of the `artifacts` by name (default 2026-01-01T10:04:00Z). */
  artifactCreatedAt?: Record<string, string>;
  /** size_in_bytes listed for these names instead of the real size (a listing that lies). */
  listedSizes?: Record<string, number>;
  /** Blob downloads are sent chunked, without content-length. */
  noContentLength?: boolean;
  /** Downloads of matrix-result-* artifacts answer a primary rate limit (403, reset in an hour). */
  rateLimitResultDownloads?: boolean;
  /** The 302 of a download points at a second server (another port: another origin), like GitHub's storage. */
  crossOriginDownloads?: boolean;
  /** The pull request calls (fakeGithubPulls.ts). */
  pulls?: FakePullsOptions;
}

export interface Recorded {
  /** api: the API server; storage: the second server of crossOriginDownloads. */
  server: 'api' | 'storage';
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
  status: number;
}

export interface FakeGithub {
  url: string;
  /** The second server's URL (crossOriginDownloads), else the API server's. */
  storageUrl: string;
  requests: Recorded[];
  /** The pull requests opened on it. */
  pulls: FakePull[];
  close(): Promise<void>;
}

function zipCrc(b: Buffer): number {
  return zlib.crc32(b) >>> 0;
}

export interface MakeZipOptions {
  /** Entries stored instead of deflated. */
  store?: boolean;
  /** Written in the ZIP64 format (written by hand from APPNOTE 4.3.9, 4.3.14, 4.3.15, 4.5.3): every size and offset
   *  of the directory is 0xFFFFFFFF with the real value in the entry's ZIP64 extra field, and the end record
   *  points to a ZIP64 end of central directory. */
  zip64?: boolean;
  /** With zip64: the uncompressed size the archive declares for an entry instead of its real one. */
  declaredSizes?: Record<string, number>;
}

/** A zip archive (deflated entries, or stored with `store`), as upload-artifact makes them. */
export function makeZip(files: Record<string, string | Buffer>, opts: MakeZipOptions = {}): Buffer {
  const z64 = opts.zip64 === true;
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  const extra = (...values: number[]) => {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(0x0001, 0);
    head.writeUInt16LE(values.length * 8, 2);
    return Buffer.concat([head, ...values.map(u64)]);
  };
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, value] of Object.entries(files)) {
    const data = Buffer.isBuffer(value) ? value : Buffer.from(value);
    const comp = opts.store ? data : zlib.deflateRawSync(data);
    const size = opts.declaredSizes?.[name] ?? data.length;
    const nameBuf = Buffer.from(name);
    const version = z64 ? 45 : 20;
    const localExtra = z64 ? extra(size, comp.length) : Buffer.alloc(0);
    const centralExtra = z64 ? extra(size, comp.length, offset) : Buffer.alloc(0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(version, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(opts.store ? 0 : 8, 8);
    local.writeUInt32LE(zipCrc(data), 14);
    local.writeUInt32LE(z64 ? 0xffffffff : comp.length, 18);
    local.writeUInt32LE(z64 ? 0xffffffff : size, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(version, 4);
    central.writeUInt16LE(version, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(opts.store ? 0 : 8, 10);
    central.writeUInt32LE(zipCrc(data), 16);
    central.writeUInt32LE(z64 ? 0xffffffff : comp.length, 20);
    central.writeUInt32LE(z64 ? 0xffffffff : size, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt16LE(centralExtra.length, 30);
    central.writeUInt32LE(z64 ? 0xffffffff : offset, 42);
    locals.push(local, nameBuf, localExtra, comp);
    centrals.push(central, nameBuf, centralExtra);
    offset += 30 + nameBuf.length + localExtra.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const count = Object.keys(files).length;
  const tail: Buffer[] = [];
  if (z64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(count), 24);
    rec.writeBigUInt64LE(BigInt(count), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(rec, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(z64 ? 0xffff : count, 8);
  end.writeUInt16LE(z64 ? 0xffff : count, 10);
  end.writeUInt32LE(z64 ? 0xffffffff : cd.length, 12);
  end.writeUInt32LE(z64 ? 0xffffffff : offset, 16);
  return Buffer.concat([...locals, cd, ...tail, end]);
}

export async function startFakeGithub(o: FakeGithubOptions = {}): Promise<FakeGithub> {
  const owner = o.owner ?? 'octo';
  const repo = o.repo ?? 'demo';
  const workflow = o.workflow ?? 'multi-agent-deploy.yml';
  const runId = o.runId ?? 4242;
  const token = o.token ?? 'test-token';
  const requests: Recorded[] = [];
  const pulls = new FakePulls(owner, repo, o.pulls);
  let dispatched = false;
  let runLooks = 0;
  let jobLooks = 0;
  let rateLimited = false;
  let retryAfterSent = false;
  const arts = [
    ...(o.moreArtifacts ?? []).map((a) => ({ name: a.name, zip: a.zip, createdAt: a.createdAt ?? '2026-01-01T10:04:00Z' })),
    ...Object.entries(o.artifacts ?? {}).map(([name, zip]) => ({ name, zip, createdAt: o.artifactCreatedAt?.[name] ?? '2026-01-01T10:04:00Z' })),
  ];
  const attempt = o.runAttempt ?? 1;
  let base = '';
  let storageBase = '';
  const oldRun = { id: 1000, run_attempt: 1 };

  const runJson = (id: number, attempt: number, status: string, conclusion: string | null) => ({
    id,
    name: 'Multi-Agent Parallel Deployment',
    node_id: `WFR_${id}`,
    head_branch: 'main',
    head_sha: '009b8a3a9ccbb128af87f9b1c0f4c62e8a304f6d',
    path: `.github/workflows/${workflow}`,
    run_number: id,
    run_attempt: attempt,
    event: 'workflow_dispatch',
    status,
    conclusion,
    workflow_id: 161335,
    url: `${base}/repos/${owner}/${repo}/actions/runs/${id}`,
    html_url: `https://github.com/${owner}/${repo}/actions/runs/${id}`,
    created_at: '2026-01-01T10:00:00Z',
    updated_at: '2026-01-01T10:05:00Z',
    run_started_at: id === runId ? (o.runStartedAt ?? '2026-01-01T10:00:00Z') : '2026-01-01T10:00:00Z',
    jobs_url: `${base}/repos/${owner}/${repo}/actions/runs/${id}/jobs`,
    artifacts_url: `${base}/repos/${owner}/${repo}/actions/runs/${id}/artifacts`,
    display_title: 'Multi-Agent Parallel Deployment',
  });

  // The signed storage URL: /blobs/<artifact id>/<name>; no API token needed (and none checked).
  const serveBlob = (p: string, rec: Recorded, res: http.ServerResponse): void => {
    const m = /^\/blobs\/(\d+)\/(.+)$/.exec(p);
    const art = m ? arts[Number(m[1]) - 700] : undefined;
    if (!art || art.name !== decodeURIComponent(m![2]!)) {
      rec.status = 404;
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ message: 'Not Found' }));
    }
    rec.status = 200;
    if (o.noContentLength) {
      res.writeHead(200, { 'content-type': 'application/zip' });
      // A few writes, so that the client sees the body arrive in pieces.
      for (let i = 0; i < art.zip.length; i += 256) res.write(art.zip.subarray(i, i + 256));
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(art.zip.length) });
    res.end(art.zip);
  };

  const record = (req: http.IncomingMessage, which: Recorded['server'], handle: (rec: Recorded, url: URL, body: string) => void) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const rec: Recorded = { server: which, method: req.method ?? '', url: url.pathname + url.search, auth: req.headers.authorization, body, status: 0 };
      requests.push(rec);
      handle(rec, url, body);
    });
  };

  const storage = o.crossOriginDownloads ? http.createServer((req, res) => record(req, 'storage', (rec, url) => serveBlob(url.pathname, rec, res))) : undefined;

  const server = http.createServer((req, res) => {
    record(req, 'api', (rec, url, body) => {
      const send = (status: number, data?: unknown, headers: Record<string, string> = {}) => {
        rec.status = status;
        const text = data === undefined ? '' : JSON.stringify(data);
        res.writeHead(status, { ...(data === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', ...headers });
        res.end(text);
      };
      const p = url.pathname;
      const repoBase = `/repos/${owner}/${repo}`;
      if (p.startsWith('/blobs/') && !storage) return serveBlob(p, rec, res);
      if (req.headers.authorization !== `token ${token}`) return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      if (req.method === 'POST' && p === `${repoBase}/actions/workflows/${workflow}/dispatches`) {
        if (o.noWorkflow) return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event' });
        dispatched = true;
        const parsed = JSON.parse(body || '{}') as { return_run_details?: boolean };
        if (parsed.return_run_details) return send(200, { workflow_run_id: runId, run_url: `${base}${repoBase}/actions/runs/${runId}`, html_url: `https://github.com/${owner}/${repo}/actions/runs/${runId}` });
        return send(204);
      }
      if (req.method === 'GET' && p === `${repoBase}/actions/workflows/${workflow}/runs`) {
        const runs = [...(dispatched ? [runJson(runId, attempt, 'queued', null)] : []), runJson(oldRun.id, oldRun.run_attempt, 'completed', 'success')];
        return send(200, { total_count: runs.length, workflow_runs: runs });
      }
      if (req.method === 'GET' && p === `${repoBase}/actions/runs/${runId}`) {
        if (o.retryAfterOnce !== undefined && !retryAfterSent) {
          retryAfterSent = true;
          return send(429, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': String(o.retryAfterOnce) });
        }
        runLooks++;
        const done = !o.neverEnds && runLooks > (o.pollsUntilDone ?? 2);
        return send(200, runJson(runId, attempt, done ? 'completed' : 'in_progress', done ? (o.conclusion ?? 'success') : null));
      }
      if (req.method === 'GET' && p === `${repoBase}/actions/runs/${runId}/jobs`) {
        if (o.rateLimitJobsOnce && !rateLimited) {
          rateLimited = true;
          const now = o.rateLimitJobsOnce.nowMs ?? Date.now();
          return send(403, { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' }, {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Math.floor(now / 1000) + o.rateLimitJobsOnce.resetInSeconds),
          });
        }
        const look = jobLooks++;
        const jobs = (o.jobs ?? []).map((j, i) => {
          const s = j.states[Math.min(look, j.states.length - 1)]!;
          return {
            id: 9000 + i,
            run_id: runId,
            run_url: `${base}${repoBase}/actions/runs/${runId}`,
            run_attempt: 1,
            node_id: `J_${i}`,
            head_sha: '009b8a3a9ccbb128af87f9b1c0f4c62e8a304f6d',
            url: `${base}${repoBase}/actions/jobs/${9000 + i}`,
            html_url: `https://github.com/${owner}/${repo}/actions/runs/${runId}/job/${9000 + i}`,
            status: s.status,
            conclusion: s.status === 'completed' ? (s.conclusion ?? 'success') : null,
            created_at: '2026-01-01T10:00:00Z',
            started_at: '2026-01-01T10:01:00Z',
            completed_at: s.status === 'completed' ? '2026-01-01T10:01:30Z' : null,
            name: j.name,
            steps: [],
            check_run_url: `${base}${repoBase}/check-runs/${9000 + i}`,
            labels: ['ubuntu-latest'],
            runner_id: 1,
            runner_name: 'GitHub Actions 1',
            runner_group_id: 1,
            runner_group_name: 'GitHub Actions',
            workflow_name: 'Multi-Agent Parallel Deployment',
            head_branch: 'main',
          };
        });
        return send(200, { total_count: jobs.length, jobs });
      }
      if (req.method === 'GET' && p === `${repoBase}/actions/runs/${runId}/artifacts`) {
        const name = url.searchParams.get('name');
        const artifacts = arts
          .map((a, i) => ({
            id: 700 + i,
            node_id: `A_${i}`,
            name: a.name,
            size_in_bytes: o.listedSizes?.[a.name] ?? a.zip.length,
            url: `${base}${repoBase}/actions/artifacts/${700 + i}`,
            archive_download_url: `${base}${repoBase}/actions/artifacts/${700 + i}/zip`,
            expired: false,
            created_at: a.createdAt,
            expires_at: '2026-04-01T10:04:00Z',
            updated_at: a.createdAt,
            workflow_run: { id: runId, repository_id: 1, head_repository_id: 1, head_branch: 'main', head_sha: '009b8a3a9ccbb128af87f9b1c0f4c62e8a304f6d' },
          }))
          .filter((a) => !name || a.name === name);
        return send(200, { total_count: artifacts.length, artifacts });
      }
      const dl = new RegExp(`^${repoBase}/actions/artifacts/(\\d+)/zip$`).exec(p);
      if (req.method === 'GET' && dl) {
        const id = Number(dl[1]);
        const art = arts[id - 700];
        if (!art) return send(404, { message: 'Not Found' });
        if (o.rateLimitResultDownloads && art.name.startsWith('matrix-result-')) {
          return send(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) });
        }
        return send(302, undefined, { location: `${storageBase}/blobs/${id}/${encodeURIComponent(art.name)}` });
      }
      if (req.method === 'POST' && p === `${repoBase}/actions/runs/${runId}/cancel`) return send(202, {});
      if (pulls.handle(req.method ?? '', url, body, send)) return;
      return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  storageBase = base;
  if (storage) {
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
    storageBase = `http://127.0.0.1:${(storage.address() as AddressInfo).port}`;
  }
  const stop = (s: http.Server) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  return {
    url: base,
    storageUrl: storageBase,
    requests,
    pulls: pulls.pulls,
    close: async () => {
      await Promise.all([stop(server), ...(storage ? [stop(storage)] : [])]);
    },
  };
}
