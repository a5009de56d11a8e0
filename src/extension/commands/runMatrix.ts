import * as vscode from 'vscode';
import { matrixIsolation } from '../settings';
import { defineCommand } from './registry';
import { showRunEnd, showUndelivered } from './runNotice';

/**
 * Runs the CI matrix locally: waves in priority order, live in the Runs view, with progress and a cancel button.
 * Each task runs as a local process group, or in a hardened container when agentFederation.matrix.isolation is
 * docker (the user's value; a workspace may only raise it to docker. Engine: agentFederation.docker.host, as for agents).
 * Args from tests/scripts: { only?: string[], priority?: string, maxParallel?: number, isolation?: 'process' | 'docker' }.
 */
export const runMatrix = defineCommand({
  id: 'agentFederation.runMatrix',
  needs: ['runs'],
  trust: 'Running the CI matrix',
  args: (a) => {
    const o = a.options();
    const isolation: string | undefined = o?.string('isolation');
    return {
      only: o?.strings('only'),
      priority: o?.string('priority'),
      maxParallel: o?.number('maxParallel'),
      isolation: isolation === 'docker' || isolation === 'process' ? (isolation as 'docker' | 'process') : undefined,
    };
  },
  async run(s, opts) {
    const runs = s.runs;
    const config = vscode.workspace.getConfiguration('agentFederation');
    const isolation = opts.isolation ?? matrixIsolation();
    const dockerHost = config.get<string>('docker.host', '').trim();
    void vscode.commands.executeCommand('agentFederation.runs.focus');
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Matrix run', cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let done = 0;
        let total = 0;
        return runs.start({
          ...(opts.only ? { only: opts.only } : {}),
          ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
          ...(opts.maxParallel !== undefined ? { maxParallel: opts.maxParallel } : {}),
          isolation,
          ...(dockerHost ? { dockerHost } : {}),
          signal: abort.signal,
          // Told after the run has ended (its progress closed, Run Matrix free again): a slow webhook waits alone.
          onNotified: (deliveries, runId) => showUndelivered(runId, deliveries),
          onEvent: (e) => {
            if (e.type === 'run-started') total = e.plan.unitCount;
            else if (e.type === 'setup-started') progress.report({ message: `setup: ${e.modules.join(', ')}` });
            else if (e.type === 'wave-started') progress.report({ message: `${e.name || e.priority}: ${e.units} tasks on ${e.agents} agents` });
            else if (e.type === 'task-finished') {
              done++;
              progress.report({ increment: total ? 100 / total : 0, message: `${done}/${total} · ${e.result.unit} ${e.result.status.replace('_', ' ')}` });
            }
          },
        });
      },
    );
    showRunEnd({ label: 'Matrix run', runId: outcome.runId, status: outcome.summary.status, summary: outcome.summary });
    return outcome;
  },
});
