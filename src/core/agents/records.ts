// .federation/agents.json: one record per deployed agent. Read without the lock (the store renames atomically);
// changed only inside FederationStore.transaction through tx.readText/tx.writeText, with the revision bumped.
import { StateFileError } from '../errors';
import type { FederationStore, Transaction } from '../federation/state/store';
import { AGENTS_FILE, AgentsFileSchema, emptyAgentsFile, type AgentRecord, type AgentsFile } from './schema';

export function parseAgentsFile(text: string | undefined, file: string): AgentsFile {
  if (text === undefined) return emptyAgentsFile();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new StateFileError(file, '', `not valid JSON${text.trim() === '' ? ' (the file is empty or truncated)' : ''}`);
  }
  const parsed = AgentsFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StateFileError(file, issue?.path.map(String).join('.') || '(root)', issue?.message ?? 'does not match the schema');
  }
  return parsed.data;
}

export function serializeAgentsFile(value: AgentsFile): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export async function readAgents(store: FederationStore): Promise<AgentRecord[]> {
  return parseAgentsFile(await store.readText(AGENTS_FILE), store.pathOf(AGENTS_FILE)).agents;
}

/** Applies `change` to the records inside the state lock and stages the new file. */
export async function updateAgents<T>(store: FederationStore, change: (agents: AgentRecord[]) => T): Promise<T> {
  return store.transaction(async (tx: Transaction) => {
    const file = parseAgentsFile(await tx.readText(AGENTS_FILE), store.pathOf(AGENTS_FILE));
    const result = change(file.agents);
    tx.writeText(AGENTS_FILE, serializeAgentsFile({ ...file, revision: file.revision + 1 }));
    return result;
  });
}
