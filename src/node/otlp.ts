// The OpenTelemetry adapter: the core's span tree of a run (core/matrix/trace.ts) through the OpenTelemetry JS SDK,
// out as OTLP/JSON (a file) or over OTLP/HTTP (a receiver: a collector, Jaeger, Tempo, Honeycomb). The CLI imports
// this module on demand (`matrix report --format otlp`), so no other command evaluates the SDK.
import { createHash } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, TracerProvider, type IdGenerator, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { FederationError, describeError } from '../core/errors';
import { TRACE_SERVICE_NAME, type TraceSpan } from '../core/matrix/trace';

const hex = (text: string, chars: number) => {
  const h = createHash('sha256').update(text).digest('hex').slice(0, chars);
  // An all-zero id is invalid in OTLP; a hash makes one practically impossible, this makes it impossible.
  return /^0+$/.test(h) ? `${h.slice(0, -1)}1` : h;
};

/** The trace id of a run: the same run always gets the same one, so a re-export lands on the same trace. */
export function traceIdOf(runId: string): string {
  return hex(`agent-federation/matrix-run/${runId}`, 32);
}

/** Ids from the span's key rather than at random: re-exporting a run gives the same span ids too. */
class RunIdGenerator implements IdGenerator {
  next = '';
  constructor(private readonly runId: string) {}
  generateTraceId(): string {
    return traceIdOf(this.runId);
  }
  generateSpanId(): string {
    return hex(`${this.runId}\0${this.next}`, 16);
  }
}

const STATUS = { ok: SpanStatusCode.OK, error: SpanStatusCode.ERROR, unset: SpanStatusCode.UNSET } as const;

/** The SDK's finished spans of the tree, with the recorded times and the deterministic ids. */
export function sdkSpans(runId: string, root: TraceSpan, serviceVersion?: string): ReadableSpan[] {
  const finished: ReadableSpan[] = [];
  const collect: SpanProcessor = {
    onStart: () => {},
    onEnd: (s) => void finished.push(s),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const ids = new RunIdGenerator(runId);
  const provider = new TracerProvider({
    // Every span is recorded whatever sampling the environment asks for: a report leaves nothing out.
    sampler: new AlwaysOnSampler(),
    idGenerator: ids,
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': TRACE_SERVICE_NAME, ...(serviceVersion ? { 'service.version': serviceVersion } : {}) })),
    spanProcessors: [collect],
  });
  const tracer = provider.getTracer('agent-federation.matrix', serviceVersion);
  const emit = (node: TraceSpan, parent: Context) => {
    ids.next = node.key;
    // Dates, not numbers: the SDK reads a number below its own start as a performance.now() offset.
    const span = tracer.startSpan(node.name, { kind: SpanKind.INTERNAL, startTime: new Date(node.startMs), attributes: node.attributes }, parent);
    span.setStatus(node.statusMessage && node.status === 'error' ? { code: STATUS[node.status], message: node.statusMessage } : { code: STATUS[node.status] });
    const ctx = trace.setSpan(ROOT_CONTEXT, span);
    for (const c of node.children) emit(c, ctx);
    span.end(new Date(node.endMs));
  };
  emit(root, ROOT_CONTEXT);
  return finished;
}

/** The run's trace as an OTLP/JSON ExportTraceServiceRequest (the body OTLP/HTTP with JSON would POST). */
export function otlpJson(runId: string, root: TraceSpan, serviceVersion?: string): string {
  const bytes = JsonTraceSerializer.serializeRequest(sdkSpans(runId, root, serviceVersion));
  if (!bytes) throw new FederationError('unavailable', 'the OpenTelemetry SDK did not encode the trace', { runId });
  return Buffer.from(bytes).toString('utf8');
}

export interface OtlpSendOptions {
  /** The full traces URL (core/matrix/trace.ts otlpTracesUrl). */
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  serviceVersion?: string;
}

/**
 * POSTs the run's trace to an OTLP/HTTP receiver (JSON encoding). The SDK retries what the spec says is retryable
 * (429, 502-504, a refused or reset connection) within the timeout; whatever still fails is `export-failed`.
 */
export async function sendOtlp(runId: string, root: TraceSpan, opts: OtlpSendOptions): Promise<{ spans: number }> {
  const spans = sdkSpans(runId, root, opts.serviceVersion);
  // The SDK's own agent (keep-alive sockets are unref'd, so they do not hold the CLI open): passing agent options
  // here would replace the one it builds from OTEL_EXPORTER_OTLP_CERTIFICATE and the client certificate.
  const exporter = new OTLPTraceExporter({ url: opts.url, headers: opts.headers, timeoutMillis: opts.timeoutMs });
  const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve));
  await exporter.shutdown().catch(() => undefined);
  // 0 is ExportResultCode.SUCCESS (@opentelemetry/core, not a dependency of ours).
  if (result.code === 0) return { spans: spans.length };
  const e = result.error as (Error & { code?: unknown; data?: unknown }) | undefined;
  // OTLPExporterError carries the HTTP status as a number; Node's socket errors carry theirs as a string.
  const status = typeof e?.code === 'number' ? e.code : undefined;
  const errno = typeof e?.code === 'string' ? e.code : undefined;
  const body = typeof e?.data === 'string' && e.data.trim() ? `: ${e.data.trim().slice(0, 300)}` : '';
  const what = status !== undefined
    ? `refused the trace with HTTP ${status}${e?.message ? ` ${e.message}` : ''}${body}`
    : `could not be reached or did not answer within ${opts.timeoutMs / 1000} s (${errno ?? (e ? describeError(e) : 'no answer')})`;
  throw new FederationError('export-failed', `The OTLP receiver at ${opts.url} ${what}; nothing was exported.`, {
    endpoint: opts.url,
    ...(status !== undefined ? { status } : {}),
    ...(errno !== undefined ? { code: errno } : {}),
  }, { cause: e });
}
