// A federation snapshot from tasks and personas, all parts readable: the views' models are pure functions of it.
import type { FederationSnapshot } from '../../src/core/federation/snapshot';
import type { Persona, Task } from '../../src/core/federation/state/schemas';

const now = new Date('2026-11-23T10:00:00Z');

export function snapshotOf(tasks: Task[], personas: Persona[] = []): FederationSnapshot {
  return {
    root: '/w', initialized: true, loadedAt: now,
    personas: { ok: true, value: { version: 1, revision: 1, personas } },
    queue: { ok: true, value: { version: 1, revision: 1, nextId: tasks.length + 1, tasks } },
    calendar: { ok: true, value: { version: 1, revision: 1, calendars: {} } },
    locks: { ok: true, value: [] },
    config: { ok: true, value: { version: 1, heartbeat: { offlineAfterSeconds: 120 }, locks: { resourceTtlMinutes: 30 }, artifacts: { rules: [] }, worktrees: { enabled: false, copy: [] }, backend: { kind: 'file', replicas: 1 } } },
  };
}
