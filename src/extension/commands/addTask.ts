import * as vscode from 'vscode';
import { CommandDef, isPlainArgs, parseSkills } from './common';

/** Args from tests/scripts: { title, priority?, skills?, description? }; otherwise asks. */
export const addTask: CommandDef = {
  id: 'agentFederation.addTask',
  async run(s, arg) {
    const by = s.persona.id ?? 'editor';
    if (isPlainArgs(arg) && typeof arg['title'] === 'string') {
      return s.fed.addTask({
        title: arg['title'],
        priority: typeof arg['priority'] === 'number' ? arg['priority'] : 3,
        skills: Array.isArray(arg['skills']) ? (arg['skills'] as string[]) : [],
        description: typeof arg['description'] === 'string' ? arg['description'] : '',
        by,
      });
    }
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
};
