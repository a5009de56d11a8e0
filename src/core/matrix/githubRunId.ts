// The run id of a matrix run on GitHub, gh-<GitHub run id>-<attempt>: the workflow's FEDERATION_RUN_ID and the
// run's folder under .federation/runs/. Its own module, with no imports, so that the editor's commands can
// recognise such ids without loading the GitHub client at activation.

export function githubRunId(run: { id: number; attempt: number }): string {
  return `gh-${run.id}-${run.attempt}`;
}

/** The GitHub run id and attempt in a run id made by githubRunId, or undefined for any other run id. */
export function parseGithubRunId(runId: string): { id: number; attempt: number } | undefined {
  const m = /^gh-(\d{1,15})-(\d{1,6})$/.exec(runId);
  return m ? { id: Number(m[1]), attempt: Number(m[2]) } : undefined;
}
