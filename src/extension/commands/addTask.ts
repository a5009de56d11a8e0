import * as vscode from 'vscode';
import { parseSkills } from './common';
import { defineCommand } from './registry';

/** Args from tests/scripts: { title, priority?, skills?, description? }; otherwise asks. */
export const addTask = defineCommand({
  id: 'agentFederation.addTask',
  needs: ['fed', 'persona'],
  args: (a) => {
    const o = a.options();
    const title = o?.string('title');
    return o && title !== undefined ? { title, priority: o.number('priority') ?? 3, skills: o.strings('skills') ?? [], description: o.string('description') ?? '' } : undefined;
  },
  async run(s, given) {
    const by = s.persona.id ?? 'editor';
    if (given) return s.fed.addTask({ ...given, by });
    const title = await vscode.window.showInputBox({ title: 'Add Task (1/3)', prompt: 'What needs doing?', validateInput: (v) => (v.trim() ? undefined : 'A task needs a title') });
    if (!title) return undefined;
    const priority = await vscode.window.showQuickPick(
      [
        { label: '1', description: 'most urgent' },
        { label: '2', description: 'high' },
        { label: '3', description: 'normal' },
        { label: '4', description: 'low' },
        { label: '5', description: 'someday' },
      ],
      { title: 'Add Task (2/3)', placeHolder: 'Priority (1 = most urgent)' },
    );
    if (!priority) return undefined;
    const skills = await vscode.window.showInputBox({ title: 'Add Task (3/3)', prompt: 'Required skills, comma-separated (empty: anyone)' });
    if (skills === undefined) return undefined;
    const task = await s.fed.addTask({ title, priority: Number(priority.label), skills: parseSkills(skills), by });
    void vscode.window.showInformationMessage(`Added ${task.id}: ${task.title}`);
    return task;
  },
});
