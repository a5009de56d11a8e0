// The isolation names and the rule for the editor's setting, apart from the container runner so that reading the
// setting loads nothing else.
export const ISOLATIONS = ['process', 'docker'] as const;
export type Isolation = (typeof ISOLATIONS)[number];

/** The isolation Run Matrix uses from the setting's inspect() values. */
export function effectiveIsolation(inspected: { defaultValue?: unknown; globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown } | undefined): Isolation {
  const valid = (v: unknown): v is Isolation => v === 'process' || v === 'docker';
  const user = valid(inspected?.globalValue) ? inspected.globalValue : valid(inspected?.defaultValue) ? inspected.defaultValue : 'process';
  // The user's choice is the floor: a workspace (its .vscode/settings.json travels with the repository) may ask
  // for docker, never turn the user's docker back into process.
  const workspaceWantsDocker = inspected?.workspaceValue === 'docker' || inspected?.workspaceFolderValue === 'docker';
  return workspaceWantsDocker ? 'docker' : user;
}
