// The report panels' commands: a run's report (from a Runs node, a run id or folder, nothing: the latest run), an
// agent's (from an Agents node, an agent id, an agent-report.json in the Explorer, nothing: asks) and the dashboard.
import { defineCommand, type Command } from '../commands/registry';

export const showRunReport = defineCommand({
  id: 'agentFederation.showRunReport',
  needs: ['panels'],
  args: (a) => a.text ?? a.node('run')?.runId ?? a.node('unit')?.runId ?? a.uri?.fsPath ?? a.options()?.oneOf('runId', 'dir', 'fsPath', 'path', 'id'),
  run: ({ panels }, ref) => panels.showRun(ref),
});

export const showAgentReport = defineCommand({
  id: 'agentFederation.showAgentReport',
  needs: ['panels'],
  args: (a) => {
    if (a.empty) return undefined;
    const o = a.options();
    return {
      id: a.text ?? a.node('agent')?.agentId ?? o?.oneOf('agentId', 'id'),
      file: a.text ?? a.uri?.fsPath ?? o?.oneOf('reportPath', 'fsPath', 'path'),
    };
  },
  run: ({ panels }, ref) => panels.showAgent(ref),
});

export const showDashboard = defineCommand({
  id: 'agentFederation.showDashboard',
  needs: ['panels'],
  args: () => undefined,
  run: ({ panels }) => panels.showDashboard(),
});

/** Registered with the panels (ids: PANEL_COMMAND_IDS). */
export const PANEL_COMMANDS: readonly Command[] = [showRunReport, showAgentReport, showDashboard];
