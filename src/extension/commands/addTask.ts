import * as vscode from 'vscode';
import type { Task } from '../../core/federation/state/schemas';
import { parseSkills } from './common';
import { defineCommand } from './registry';

/** What a new task may wait for: any task not finished for good (a done one would never block; a cancelled one always would). */
const DEPENDABLE = new Set<Task['status']>(['queued', 'claimed', 'in_progress', 'handed_off', 'failed']);

/** Args from tests/scripts: { title, priority?, skills?, description?, dependsOn? }; otherwise asks. */
export const addTask = defineCommand({
  id: 'agentFederation.addTask',
  needs: ['fed', 'persona'],
  args: (a) => {
    const o = a.options();
    const title = o?.string('title');
    return o && title !== undefined
      ? { title, priority: o.number('priority') ?? 3, skills: o.strings('skills') ?? [], description: o.string('description') ?? '', dependsOn: o.strings('dependsOn') ?? [] }
      : undefined;
  },
  async run(s, given) {
    const by = s.persona.id ?? 'editor';
    if (given) return s.fed.addTask({ ...given, by });
    const title = await vscode.window.showInputBox({ title: 'Add Task (1/4)', prompt: 'What needs doing?', validateInput: (v) => (v.trim() ? undefined : 'A task needs a title') });
    if (!title) return undefined;
    const priority = await vscode.window.showQuickPick(
      [
        { label: '1', description: 'most urgent' },
        { label: '2', description: 'high' },
        { label: '3', description: 'normal' },
        { label: '4', description: 'low' },
        { label: '5', description: 'someday' },
      ],
      { title: 'Add Task (2/4)', placeHolder: 'Priority (1 = most urgent)' },
    );
    if (!priority) return undefined;
    const skills = await vscode.window.showInputBox({ title: 'Add Task (3/4)', prompt: 'Required skills, comma-separated (empty: anyone)' });
    if (skills === undefined) return undefined;
    const open = (await s.fed.listTasks()).filter((t) => DEPENDABLE.has(t.status));
    let dependsOn: string[] = [];
    if (open.length) {
      const picked = await vscode.window.showQuickPick(
        open.map((t) => ({ label: t.id, description: `${t.status} · P${t.priority}`, detail: t.title })),
        { title: 'Add Task (4/4)', placeHolder: 'Tasks it waits for (none: press Enter)', canPickMany: true },
      );
      if (picked === undefined) return undefined;
      dependsOn = picked.map((p) => p.label);
    }
    const task = await s.fed.addTask({ title, priority: Number(priority.label), skills: parseSkills(skills), dependsOn, by });
    void vscode.window.showInformationMessage(`Added ${task.id}: ${task.title}`);
    return task;
  },
});
