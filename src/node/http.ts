// The Node adapter of the matrix's HttpPoster port (src/core/matrix/notifications.ts): one POST with node:http or
// node:https. No redirects are followed (a webhook that moved answers 3xx, reported as such), the answer's body is
// read and dropped, and errors never carry the URL (it holds the webhook's secret): only Node's error code and
// message, which name the host at most.
import * as http from 'node:http';
import * as https from 'node:https';
import type { HttpPoster } from '../core/matrix/notifications';

export const nodeHttpPoster: HttpPoster = {
  post(url, body, opts) {
    return new Promise((resolve, reject) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        reject(new Error('not a URL'));
        return;
      }
      const lib = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
      if (!lib) {
        reject(new Error(`unsupported protocol ${target.protocol}`));
        return;
      }
      const data = Buffer.from(body, 'utf8');
      const req = lib.request(target, {
        method: 'POST',
        headers: { ...opts.headers, 'content-length': String(data.length) },
        timeout: opts.timeoutMs,
        signal: opts.signal,
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0 }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs / 1000} s`)));
      req.on('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message)));
      req.end(data);
    });
  },
};
