// The task status chain: which action moves a task from which statuses to which, and how a move is recorded in
// the task's history. The federation checks these (tasks.ts, handoff.ts) and docs/tasks.md shows them; a unit test
// keeps the table and the page equal.
// `start` is optional: complete and fail take a claimed task directly (the CLI's `task complete` and the editor's
// inline Complete action on a claimed task), in_progress only tells others that work has begun.
import { FederationError } from '../errors';
import type { Task, TaskEvent, TaskStatus } from './state/schemas';

export const TASK_TRANSITIONS = {
  /** Any persona in scope takes a queued task; a handed_off task only by its receiver (which acknowledges it). */
  claim: { from: ['queued', 'handed_off'], to: 'claimed' },
  start: { from: ['claimed'], to: 'in_progress' },
  complete: { from: ['claimed', 'in_progress'], to: 'done' },
  fail: { from: ['claimed', 'in_progress'], to: 'failed' },
  /** Only by the assignee: a queued task is held by nobody. */
  handoff: { from: ['claimed', 'in_progress'], to: 'handed_off' },
  cancel: { from: ['queued', 'claimed', 'in_progress', 'handed_off'], to: 'cancelled' },
  requeue: { from: ['failed', 'cancelled'], to: 'queued' },
} as const satisfies Record<string, { from: readonly TaskStatus[]; to: TaskStatus }>;

export type TaskAction = keyof typeof TASK_TRANSITIONS;

/** Whether `action` may be applied to a task in `status` (who may apply it is checked separately). */
export function canTransition(action: TaskAction, status: TaskStatus): boolean {
  return (TASK_TRANSITIONS[action].from as readonly TaskStatus[]).includes(status);
}

export function transitionError(task: Task, to: TaskStatus): FederationError {
  return new FederationError('invalid-transition', `${task.id} is ${task.status}; it cannot become ${to}.`, { task: task.id, status: task.status, to });
}

/** Moves the task to `to` and records the move (the caller has checked that it may). */
export function transition(task: Task, to: TaskStatus, by: string, action: TaskEvent['action'], at: string, note?: string): void {
  record(task, by, action, to, at, note, task.status);
  task.status = to;
  task.updatedAt = at;
}

/** Adds an event to the task's history. */
export function record(task: Task, by: string, action: TaskEvent['action'], to: TaskStatus, at: string, note?: string, from: TaskStatus | null = task.status): void {
  const event: TaskEvent = { at, by, action, from, to };
  if (note) event.note = note;
  task.history.push(event);
}
