import * as vscode from 'vscode';
import { ID_PATTERN, Persona } from '../../core/state/schemas';
import { CommandDef, isPlainArgs, parseSkills } from './common';

/** Args from tests/scripts: { id, skills, displayName?, runsIn? }; otherwise asks. */
export const registerPersona: CommandDef = {
  id: 'agentFederation.registerPersona',
  async run(s, arg) {
    let input: { id: string; skills: string[]; displayName?: string; runsIn?: Persona['runsIn'] };
    if (isPlainArgs(arg) && typeof arg['id'] === 'string') {
      input = { id: arg['id'], skills: Array.isArray(arg['skills']) ? (arg['skills'] as string[]) : parseSkills(String(arg['skills'] ?? '')) };
      if (typeof arg['displayName'] === 'string') input.displayName = arg['displayName'];
      if (typeof arg['runsIn'] === 'string') input.runsIn = arg['runsIn'] as Persona['runsIn'];
    } else {
      const id = await vscode.window.showInputBox({
        title: 'Register Persona (1/2)',
        prompt: 'Persona id, e.g. research, devops, writer',
        validateInput: (v) => (ID_PATTERN.test(v) ? undefined : 'Lowercase letters, digits, - and _, starting with a letter'),
      });
      if (!id) return undefined;
      const skills = await vscode.window.showInputBox({ title: 'Register Persona (2/2)', prompt: `Skills of ${id}, comma-separated`, placeHolder: 'research, writing' });
      if (skills === undefined) return undefined;
      input = { id, skills: parseSkills(skills), runsIn: 'window' };
    }
    const result = await s.fed.registerPersona(input);
    void vscode.window.showInformationMessage(`${result.created ? 'Registered' : 'Updated'} persona ${result.persona.id}.`);
    return result.persona;
  },
};
