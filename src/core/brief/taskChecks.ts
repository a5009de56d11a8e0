// `task:` and `workspace:` in a brief's front matter: a worktree workspace needs a task and an operator level that
// may change the workspace (MB014, pure), and the task must be in the queue with a worktree that exists (MB052,
// MB053, only when the caller passes the queue). Kept apart from validate.ts, which only calls it.
import type { BriefDocument } from './parse';
import { findEntry } from './parse';
import type { BriefCode, BriefRegistry, FindingData, Range } from './types';

type Add = (code: BriefCode, range: Range, message: string, data?: FindingData) => void;

export function taskChecks(doc: BriefDocument, data: Record<string, unknown>, malformed: Set<string>, registry: BriefRegistry | undefined, add: Add): void {
  const task = typeof data.task === 'string' && !malformed.has('task') ? data.task : undefined;
  const worktree = data.workspace === 'worktree';
  const workspaceEntry = findEntry(doc, 'workspace');
  const taskEntry = findEntry(doc, 'task');
  if (worktree && workspaceEntry) {
    if (data.task === undefined) {
      add('MB014', workspaceEntry.valueRange, 'workspace: worktree works in a task\'s worktree, but the brief names no task. Add "task: T…" (the task whose worktree the agent gets).', { key: 'workspace' });
    }
    const level = data.operator_level;
    if (level !== 'L2' && level !== 'L3') {
      add(
        'MB014',
        workspaceEntry.valueRange,
        `workspace: worktree lets the agent change the workspace, which needs operator_level L2 (act with review) or L3; the brief has ${typeof level === 'string' ? level : 'none (L1 by default)'}.`,
        { key: 'operator_level', suggestion: 'L2' },
      );
    }
  }
  if (!task || !taskEntry || !registry?.tasks) return;
  const known = registry.tasks.find((t) => t.id === task);
  if (!known) {
    const ids = registry.tasks.map((t) => t.id);
    add('MB052', taskEntry.valueRange, `Task ${task} is not in the federation queue.${ids.length ? ` Tasks: ${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', …' : ''}.` : ' The queue is empty.'}`, { key: 'task' });
    return;
  }
  if (!worktree) return;
  if (registry.worktreesEnabled === false) {
    add('MB053', taskEntry.valueRange, `Task ${task} cannot lend its worktree: worktrees are off (worktrees.enabled in .federation/config.yaml).`, { key: 'task' });
  } else if (!known.worktree) {
    add('MB053', taskEntry.valueRange, `Task ${task} has no worktree: a task gets one when it is claimed with worktrees on (or its worktree was merged, removed or deleted).`, { key: 'task' });
  }
}
