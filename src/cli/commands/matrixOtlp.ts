// `federation matrix report --format otlp`: the run as an OpenTelemetry trace, to a file (--out, OTLP/JSON) and/or
// an OTLP/HTTP receiver (--otlp-endpoint). The SDK adapter is imported here on demand, so the CLI's other commands
// never evaluate it.
import * as path from 'node:path';
import { FederationError } from '../../core/errors';
import { writeTextAtomically, type RunSummary, type TaskResult } from '../../core/matrix/results';
import { flattenTrace, otlpTracesUrl, parseOtlpHeaders, runTrace } from '../../core/matrix/trace';
import type { Environment } from '../../core/ports';
import { intFlag, stringFlag } from '../args';
import { printable } from '../printable';
import { CliContext, EXIT, ParsedArgs, UsageError } from '../types';

declare const AF_VERSION: string;

export const OTLP_TIMEOUT_SECONDS = 10;
/** The report's flags that only OTLP takes. */
export const OTLP_FLAGS = { 'otlp-endpoint': 'value', 'otlp-timeout': 'value' } as const;

/** Where the trace goes, from the command line; a malformed one is a usage error before the run is read. */
export function otlpTargets(args: ParsedArgs): { out?: string; url?: string; timeoutMs: number } {
  const out = stringFlag(args, 'out');
  const endpoint = stringFlag(args, 'otlp-endpoint');
  if (out === undefined && endpoint === undefined) throw new UsageError('--format otlp needs --out FILE (OTLP/JSON) or --otlp-endpoint URL (OTLP/HTTP), or both');
  const url = endpoint === undefined ? undefined : otlpTracesUrl(endpoint);
  if (endpoint !== undefined && url === undefined) throw new UsageError(`--otlp-endpoint takes an http:// or https:// URL (e.g. http://localhost:4318), got "${endpoint}"`);
  const seconds = intFlag(args, 'otlp-timeout') ?? OTLP_TIMEOUT_SECONDS;
  if (seconds < 1) throw new UsageError('--otlp-timeout must be at least 1 (seconds)');
  return { ...(out !== undefined ? { out } : {}), ...(url !== undefined ? { url } : {}), timeoutMs: seconds * 1000 };
}

/**
 * Headers for the receiver (an API key, a tenant): FEDERATION_OTLP_HEADERS over OTEL_EXPORTER_OTLP_HEADERS, key by
 * key. A malformed entry is an error naming the variable and the entry's position, never its value.
 */
export function otlpHeaders(env: Environment): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'FEDERATION_OTLP_HEADERS']) {
    const text = env[name];
    if (!text) continue;
    const parsed = parseOtlpHeaders(text);
    if ('badEntry' in parsed) throw new FederationError('invalid-input', `${name}: entry ${parsed.badEntry} is not key=value (the format is key=value,key2=value2, values percent-encoded)`, { variable: name, entry: parsed.badEntry });
    Object.assign(headers, parsed.headers);
  }
  return headers;
}

export async function otlpReport(ctx: CliContext, targets: ReturnType<typeof otlpTargets>, summary: RunSummary, tasks: TaskResult[]): Promise<number> {
  const headers = targets.url ? otlpHeaders(ctx.services.ports.env) : {};
  const tree = runTrace(summary, tasks);
  const spans = flattenTrace(tree).length;
  const version = typeof AF_VERSION === 'string' ? AF_VERSION : undefined;
  const otlp = await import('../../node/otlp');
  const traceId = otlp.traceIdOf(summary.runId);
  let file: string | undefined;
  if (targets.out !== undefined) {
    file = path.resolve(ctx.root, targets.out);
    // A reader (a collector watching a folder) never sees half a file.
    await ctx.services.ports.fs.mkdir(path.dirname(file), { recursive: true });
    await writeTextAtomically(ctx.services.ports.fs, file, otlp.otlpJson(summary.runId, tree, version) + '\n');
  }
  if (targets.url !== undefined) await otlp.sendOtlp(summary.runId, tree, { url: targets.url, headers, timeoutMs: targets.timeoutMs, ...(version ? { serviceVersion: version } : {}) });
  ctx.print({ runId: summary.runId, format: 'otlp', traceId, spans, ...(file ? { out: file } : {}), ...(targets.url ? { endpoint: targets.url } : {}) }, () =>
    [
      ...(file ? [`wrote ${path.relative(ctx.root, file)}: trace ${traceId}, ${spans} span(s)`] : []),
      ...(targets.url ? [`sent trace ${traceId} (${spans} span(s)) to ${targets.url}`] : []),
    ].map((l) => printable(l, { oneLine: true })).join('\n'));
  return EXIT.ok;
}
