// What a federation is called inside NATS: one event stream and one KV bucket per kind of item, all named after
// the federation (config.yaml's backend.federation), so one NATS holds many federations side by side.
//   stream  <f>_events   subjects <f>.events.<bucket>.<key>   the commits, in order: the history
//   KV      <f>_personas <f>_tasks <f>_locks <f>_calendar <f>_docs   the current values, materialised from it
//   KV      <f>_meta     queue (nextId), materialised (how far the buckets are complete)
// Keys: persona and task ids as they are; resource and document names with '.' written as '=' (a KV key is a
// subject: a dot would split it), which is reversible because neither name may contain '='.

export const BUCKETS = ['personas', 'tasks', 'locks', 'calendar', 'docs', 'meta'] as const;
export type Bucket = (typeof BUCKETS)[number];

export interface FederationNames {
  federation: string;
  stream: string;
  subjects: string;
  bucket(b: Bucket): string;
  /** The subject a commit is published on: its first item's, or `batch` when it writes several tasks. */
  subject(primary: { bucket: Bucket; key: string } | 'batch'): string;
}

export function federationNames(federation: string): FederationNames {
  return {
    federation,
    stream: `${federation}_events`,
    subjects: `${federation}.events.>`,
    bucket: (b) => `${federation}_${b}`,
    subject: (p) => (p === 'batch' ? `${federation}.events.batch` : `${federation}.events.${p.bucket}.${p.key}`),
  };
}

export function encodeKey(name: string): string {
  return name.replace(/\./g, '=');
}

export function decodeKey(key: string): string {
  return key.replace(/=/g, '.');
}

/** Where a text item of .federation/ lives in NATS: locks/<resource>.lock and handoffs/<name>; others are not shared. */
export function textItem(rel: string): { bucket: 'locks' | 'docs'; key: string } | undefined {
  const m = /^(locks|handoffs)\/([^/]+)$/.exec(rel.replace(/\\/g, '/'));
  if (!m) return undefined;
  if (m[1] === 'locks') return m[2]!.endsWith('.lock') && m[2]!.length > 5 ? { bucket: 'locks', key: encodeKey(m[2]!.slice(0, -'.lock'.length)) } : undefined;
  return { bucket: 'docs', key: encodeKey(m[2]!) };
}

/** The name listDir gives back for an item's key. */
export function textName(bucket: 'locks' | 'docs', key: string): string {
  return bucket === 'locks' ? `${decodeKey(key)}.lock` : decodeKey(key);
}
