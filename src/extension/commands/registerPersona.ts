import * as vscode from 'vscode';
import { ID_PATTERN, Persona } from '../../core/federation/state/schemas';
import { parseSkills } from './common';
import { defineCommand } from './registry';

type Input = { id: string; skills: string[]; displayName?: string; runsIn?: Persona['runsIn'] };

/** Args from tests/scripts: { id, skills, displayName?, runsIn? }; otherwise asks. */
export const registerPersona = defineCommand({
  id: 'agentFederation.registerPersona',
  needs: ['fed'],
  args: (a): Input | undefined => {
    const o = a.options();
    const id = o?.string('id');
    if (!o || id === undefined) return undefined;
    // skills: a list, or one comma-separated string.
    const skillText = o.string('skills');
    const input: Input = { id, skills: skillText !== undefined ? parseSkills(skillText) : (o.strings('skills') ?? []) };
    const displayName = o.string('displayName');
    const runsIn = o.string('runsIn');
    if (displayName !== undefined) input.displayName = displayName;
    if (runsIn !== undefined) input.runsIn = runsIn as Persona['runsIn'];
    return input;
  },
  async run(s, given) {
    let input: Input;
    if (given) input = given;
    else {
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
});
