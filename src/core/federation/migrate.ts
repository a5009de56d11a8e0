// Moving a federation from one backend to another (`federation migrate --to nats|file`): everything the source
// holds (personas, tasks, calendars, locks, handoff documents) is copied into an empty target through the
// target's own transactions, then read back from the target and compared item by item with the source. A
// target that holds anything is refused before anything is written, unless told to replace it (`replace`: what
// it held is overwritten, and what the source does not have is removed). The source is left as it was.
import { FederationError } from '../errors';
import type { StateBackend } from './state/backend';
import type { CalendarFile, PersonasFile, QueueFile } from './state/schemas';

export interface MigrationCounts {
  personas: number;
  tasks: number;
  calendars: number;
  locks: number;
  documents: number;
}

interface Contents {
  personas: PersonasFile;
  queue: QueueFile;
  calendar: CalendarFile;
  locks: Map<string, string>;
  documents: Map<string, string>;
}

/** Tasks per transaction: a commit on NATS is one message, which has a size limit. */
const TASKS_PER_CHANGE = 100;
const DOCUMENT_BYTES_PER_CHANGE = 256 * 1024;

async function contents(backend: StateBackend): Promise<Contents> {
  const texts = async (dir: string) => {
    const out = new Map<string, string>();
    for (const name of await backend.listDir(dir)) {
      const text = await backend.readText(`${dir}/${name}`);
      if (text !== undefined) out.set(name, text);
    }
    return out;
  };
  return {
    personas: await backend.read('personas'),
    queue: await backend.read('queue'),
    calendar: await backend.read('calendar'),
    locks: new Map([...(await texts('locks'))].filter(([n]) => n.endsWith('.lock'))),
    documents: new Map([...(await texts('handoffs'))].filter(([n]) => n.endsWith('.md'))),
  };
}

function counts(c: Contents): MigrationCounts {
  return { personas: c.personas.personas.length, tasks: c.queue.tasks.length, calendars: Object.keys(c.calendar.calendars).length, locks: c.locks.size, documents: c.documents.size };
}

/** Copies the source into the empty target (or over it, `replace`) and checks the copy. Returns what was moved. */
export async function migrateState(source: StateBackend, target: StateBackend, names: { from: string; to: string }, options: { replace?: boolean } = {}): Promise<MigrationCounts> {
  if (!(await source.isInitialized())) throw new FederationError('not-initialized', `There is no federation in ${names.from} to move.`, { from: names.from });
  const from = await contents(source);
  let stale: { locks: string[]; documents: string[] } = { locks: [], documents: [] };
  if (await target.isInitialized()) {
    const was = await contents(target);
    const there = counts(was);
    if (Object.values(there).some((n) => n > 0) && !options.replace) {
      throw new FederationError(
        'already-exists',
        `${names.to} already holds a federation (${describe(there)}); it was not overwritten. Move into an empty one, or replace what it holds with --replace.`,
        { to: names.to, ...there },
      );
    }
    stale = { locks: [...was.locks.keys()].filter((n) => !from.locks.has(n)), documents: [...was.documents.keys()].filter((n) => !from.documents.has(n)) };
  }
  await target.init();
  await target.transaction((tx) => {
    tx.set('personas', { ...from.personas, personas: from.personas.personas });
    tx.set('calendar', from.calendar);
    for (const [name, text] of from.locks) tx.writeText(`locks/${name}`, text);
    for (const name of stale.locks) tx.remove(`locks/${name}`);
    for (const name of stale.documents) tx.remove(`handoffs/${name}`);
  });
  for (let i = 0; i < from.queue.tasks.length || i === 0; i += TASKS_PER_CHANGE) {
    const tasks = from.queue.tasks.slice(0, i + TASKS_PER_CHANGE);
    await target.transaction((tx) => tx.set('queue', { ...from.queue, tasks }));
  }
  let batch: [string, string][] = [];
  let bytes = 0;
  const flush = async () => {
    const docs = batch;
    batch = [];
    bytes = 0;
    // Exclusive unless replacing: a document that appeared meanwhile is never overwritten by accident.
    if (docs.length) await target.transaction((tx) => docs.forEach(([name, text]) => tx.writeText(`handoffs/${name}`, text, { exclusive: !options.replace })));
  };
  for (const entry of from.documents) {
    batch.push(entry);
    bytes += entry[1].length;
    if (bytes >= DOCUMENT_BYTES_PER_CHANGE) await flush();
  }
  await flush();
  const copyProblems = differences(from, await contents(target), names.to);
  if (copyProblems.length) {
    throw new FederationError('state-corrupt', `The copy in ${names.to} does not match the source: ${list(copyProblems)}. The source is unchanged; config.yaml still names it.`, { problems: copyProblems });
  }
  // A change made to the source while it was copied would be lost with the switch: it must not have moved.
  const moved = differences(from, await contents(source), names.from);
  if (moved.length) {
    throw new FederationError('source-changed', `${names.from} changed while it was copied (${list(moved)}); config.yaml still names it. Run again (with --replace) when nothing writes to it.`, { problems: moved });
  }
  return counts(from);
}

/** Where `to` differs from `from`, item by item (order, revisions and NATS fencing numbers aside). */
function differences(from: Contents, to: Contents, where: string): string[] {
  const problems: string[] = [];
  const byId = <T extends { id: string }>(list: T[]) => new Map(list.map((x) => [x.id, canonical(x)]));
  const compare = (what: string, a: Map<string, string>, b: Map<string, string>) => {
    if (a.size !== b.size) problems.push(`${what}: ${a.size} in the source, ${b.size} in ${where}`);
    for (const [k, v] of a) if (b.get(k) !== v) problems.push(`${what} ${k} differs`);
  };
  compare('persona', byId(from.personas.personas), byId(to.personas.personas));
  compare('task', byId(from.queue.tasks), byId(to.queue.tasks));
  if (from.queue.nextId !== to.queue.nextId) problems.push(`nextId: ${from.queue.nextId} in the source, ${to.queue.nextId} in ${where}`);
  const calendars = (c: CalendarFile) => new Map(Object.entries(c.calendars).map(([k, v]) => [k, canonical(v)]));
  compare('calendar', calendars(from.calendar), calendars(to.calendar));
  const lock = (m: Map<string, string>) => new Map([...m].map(([k, v]) => [k, canonical({ ...(JSON.parse(v) as Record<string, unknown>), fence: undefined })]));
  compare('lock', lock(from.locks), lock(to.locks));
  compare('handoff document', from.documents, to.documents);
  return problems;
}

function list(problems: string[]): string {
  return `${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}`;
}

/** JSON with every object's keys sorted (and undefined left out): equal values, equal text, whatever the order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b))) : value,
  );
}

export function describe(c: MigrationCounts): string {
  return `${c.personas} personas, ${c.tasks} tasks, ${c.calendars} calendars, ${c.locks} locks, ${c.documents} handoff documents`;
}
