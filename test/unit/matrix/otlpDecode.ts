// Reads an OTLP/JSON ExportTraceServiceRequest (what an OTLP/HTTP receiver gets, what --format otlp writes) into
// plain spans, checking the shape as a receiver would: hex ids of the right length, nanosecond string times.
import * as assert from 'node:assert/strict';

type AnyValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  startNs: bigint;
  endNs: bigint;
  status: { code: number; message?: string };
  attributes: Record<string, string | number | boolean>;
}

function value(v: AnyValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  // int64 may come as a JSON string (the protobuf JSON mapping) or a number.
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  throw new Error(`unexpected attribute value ${JSON.stringify(v)}`);
}

const attrs = (kvs: KeyValue[] | undefined) => Object.fromEntries((kvs ?? []).map((kv) => [kv.key, value(kv.value)]));

export function decodeOtlp(text: string): { resource: Record<string, string | number | boolean>; spans: DecodedSpan[]; byName(name: string): DecodedSpan } {
  const body = JSON.parse(text) as { resourceSpans: { resource: { attributes: KeyValue[] }; scopeSpans: { scope: { name: string }; spans: Record<string, unknown>[] }[] }[] };
  assert.equal(body.resourceSpans.length, 1, 'one resource');
  const rs = body.resourceSpans[0]!;
  const spans = rs.scopeSpans.flatMap((ss) =>
    ss.spans.map((s): DecodedSpan => {
      assert.match(String(s['traceId']), /^[0-9a-f]{32}$/);
      assert.match(String(s['spanId']), /^[0-9a-f]{16}$/);
      assert.match(String(s['startTimeUnixNano']), /^\d+$/);
      const parent = s['parentSpanId'] ? String(s['parentSpanId']) : undefined;
      if (parent !== undefined) assert.match(parent, /^[0-9a-f]{16}$/);
      return {
        traceId: String(s['traceId']),
        spanId: String(s['spanId']),
        parentSpanId: parent,
        name: String(s['name']),
        startNs: BigInt(String(s['startTimeUnixNano'])),
        endNs: BigInt(String(s['endTimeUnixNano'])),
        status: s['status'] as DecodedSpan['status'],
        attributes: attrs(s['attributes'] as KeyValue[]),
      };
    }),
  );
  return {
    resource: attrs(rs.resource.attributes),
    spans,
    byName(name) {
      const found = spans.filter((s) => s.name === name);
      assert.equal(found.length, 1, `one span named ${name}, found ${found.length}`);
      return found[0]!;
    },
  };
}
