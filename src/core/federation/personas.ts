// Personas: who takes part, with which skills, where they run, and whether they are there (the heartbeat).
import { FederationError } from '../errors';
import { FederationContext, requirePersona } from './context';
import { ID_PATTERN, Persona, Task } from './state/schemas';

/** How old a heartbeat may get before a task change by its persona refreshes it. */
export const HEARTBEAT_REFRESH_MS = 10_000;

/** A persona's status as others should see it: a stale heartbeat means offline, whatever the file says. */
export function effectiveStatus(persona: Persona, now: Date, offlineAfterMs: number): Persona['status'] {
  if (persona.status === 'offline') return 'offline';
  if (!persona.lastHeartbeat) return persona.runsIn === 'agent' ? persona.status : 'offline';
  return now.getTime() - Date.parse(persona.lastHeartbeat) > offlineAfterMs ? 'offline' : persona.status;
}

export function hasSkills(persona: Pick<Persona, 'skills'>, task: Pick<Task, 'skills'>): boolean {
  return task.skills.every((s) => persona.skills.includes(s));
}

/** Refuses a task outside the persona's skills, naming the skills it lacks. */
export function requireScope(persona: Persona, task: Task, verb: string): void {
  if (!hasSkills(persona, task)) {
    const missing = task.skills.filter((s) => !persona.skills.includes(s));
    throw new FederationError('skill-scope', `${persona.id} cannot ${verb} ${task.id}: it needs ${missing.join(', ')}, outside ${persona.id}'s skills (${persona.skills.join(', ') || 'none'}).`, { persona: persona.id, task: task.id, missing });
  }
}

export function normalizeSkills(skills: string[]): string[] {
  const out = [...new Set(skills.map((s) => s.trim().toLowerCase()).filter(Boolean))];
  for (const s of out) {
    if (!/^[a-z0-9][a-z0-9_.+-]{0,39}$/.test(s)) {
      throw new FederationError('invalid-input', `Skill "${s}" is not valid: use lowercase letters, digits and . _ + -.`, { field: 'skills' });
    }
  }
  return out;
}

function titleCase(id: string): string {
  return id.replace(/(^|[-_])(\w)/g, (_m, sep: string, c: string) => (sep ? ' ' : '') + c.toUpperCase());
}

/** Freshens a persona's heartbeat on a task change by it (staged with personas.json by the caller). */
export function touchPersona(persona: Persona, now: Date, status?: Persona['status']): void {
  // A heartbeat only needs to be fresh to the offline window (minutes), so a busy persona does not rewrite
  // personas.json on every claim: unchanged content is not written at all (see FederationStore.transaction).
  // abs: a heartbeat from the future (a skewed clock) is replaced too, not kept until time catches up.
  if (!persona.lastHeartbeat || Math.abs(now.getTime() - Date.parse(persona.lastHeartbeat)) >= HEARTBEAT_REFRESH_MS) persona.lastHeartbeat = now.toISOString();
  if (status) persona.status = status;
}

export async function listPersonas(ctx: FederationContext): Promise<Persona[]> {
  return (await ctx.store.read('personas')).personas;
}

/** Registers a persona, or updates the display name, skills and runtime of one that exists. */
export async function registerPersona(
  ctx: FederationContext,
  input: { id: string; displayName?: string; skills: string[]; runsIn?: Persona['runsIn'] },
): Promise<{ persona: Persona; created: boolean }> {
  if (!ID_PATTERN.test(input.id)) {
    throw new FederationError('invalid-input', `Persona id "${input.id}" is not valid: use lowercase letters, digits, - and _, starting with a letter.`, { field: 'id' });
  }
  const skills = normalizeSkills(input.skills);
  return ctx.store.transaction(async (tx) => {
    const file = await tx.get('personas');
    const now = ctx.clock.now().toISOString();
    const existing = file.personas.find((p) => p.id === input.id);
    let persona: Persona;
    if (existing) {
      existing.skills = skills;
      if (input.displayName) existing.displayName = input.displayName;
      if (input.runsIn) existing.runsIn = input.runsIn;
      persona = existing;
    } else {
      persona = {
        id: input.id,
        displayName: input.displayName || titleCase(input.id),
        skills,
        status: 'idle',
        runsIn: input.runsIn ?? 'terminal',
        lastHeartbeat: now,
        registeredAt: now,
      };
      file.personas.push(persona);
    }
    tx.set('personas', file);
    return { persona, created: !existing };
  });
}

export async function heartbeat(ctx: FederationContext, personaId: string, status?: Persona['status']): Promise<Persona> {
  return ctx.store.transaction(async (tx) => {
    const file = await tx.get('personas');
    const persona = requirePersona(file.personas, personaId);
    persona.lastHeartbeat = ctx.clock.now().toISOString();
    if (status) persona.status = status;
    else if (persona.status === 'offline') persona.status = 'idle';
    tx.set('personas', file);
    return persona;
  });
}
