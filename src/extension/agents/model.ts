// The Agents tree as plain data (no vscode import), so it is unit-tested without an editor: one node per engine
// (host), its agents under it, and for an engine that cannot be reached an item that says so with the fixes.
import type { AgentInfo, AgentStatus, HostStatus, ListResult } from '../../core/agents';
import { formatDuration, statusPhrase } from '../../core/agents';

import type { IconSpec, NodeBase, NodeCommand } from '../models/node';

export type { IconSpec, NodeCommand };
type Base = NodeBase;

export interface HostNode extends Base {
  kind: 'host';
  host: string;
  children: Array<AgentNode | ProblemNode>;
}

export interface AgentNode extends Base {
  kind: 'agent';
  agentId: string;
  agent: AgentInfo;
  children: [];
}

export interface ProblemNode extends Base {
  kind: 'problem';
  children: [];
}

export type AgentsTreeNode = HostNode | AgentNode | ProblemNode;

export const COMMANDS = {
  refresh: 'agentFederation.agents.refresh',
  followLogs: 'agentFederation.agents.followLogs',
  openSettings: 'workbench.action.openSettings',
} as const;

const STATUS_ICON: Record<AgentStatus, IconSpec> = {
  created: { id: 'circle-outline' },
  running: { id: 'sync~spin', color: 'charts.blue' },
  succeeded: { id: 'pass', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  'oom-killed': { id: 'flame', color: 'testing.iconFailed' },
  missing: { id: 'question', color: 'disabledForeground' },
  unknown: { id: 'debug-disconnect', color: 'disabledForeground' },
};

function agentTooltip(a: AgentInfo): string {
  return [
    `${a.id} — ${statusPhrase(a)}`,
    a.briefTitle ? `Brief: ${a.briefTitle} (${a.brief})` : `Brief: ${a.brief}`,
    `Persona: ${a.persona ?? '-'}  Role: ${a.role ?? '-'}`,
    `Image: ${a.image}`,
    `Engine: ${a.hostLabel}`,
    ...(a.startedAt ? [`Started: ${a.startedAt}`] : []),
    ...(a.finishedAt ? [`Finished: ${a.finishedAt}`] : []),
    ...(a.exitCode !== null ? [`Exit code: ${a.exitCode}${a.oomKilled ? ' (OOM-killed)' : ''}`] : []),
    ...(a.collectedAt ? [`Output collected: ${a.collectedAt}`] : []),
    ...(a.tracked ? [] : ['Not in .federation/agents.json (found by its labels)']),
    ...(a.error ? [`Error: ${a.error}`] : []),
  ].join('\n');
}

export function agentNode(a: AgentInfo): AgentNode {
  const time = a.status === 'running' && a.uptimeSeconds !== undefined ? formatDuration(a.uptimeSeconds) : a.durationSeconds !== undefined ? formatDuration(a.durationSeconds) : '';
  const what = a.status === 'succeeded' || a.status === 'failed' ? `exit ${a.exitCode ?? '?'}` : a.status;
  return {
    kind: 'agent',
    id: `agent:${a.id}`,
    agentId: a.id,
    agent: a,
    label: a.id,
    description: [what, time, a.persona ?? a.role ?? '', a.overdue ? 'over its timeout' : ''].filter(Boolean).join(' · '),
    tooltip: agentTooltip(a),
    // agent:<status>[:collected] lets menus offer stop only to running agents, remove to finished ones, …
    contextValue: `agent:${a.status}${a.collectedAt ? ':collected' : ''}`,
    icon: STATUS_ICON[a.status],
    command: { command: COMMANDS.followLogs, title: 'Follow Logs', arguments: [a.id] },
    children: [],
  };
}

/** The item an unreachable engine shows, with the fixes as clickable items next to it. */
export function unreachableNodes(h: HostStatus): ProblemNode[] {
  const local = h.host === '';
  return [
    {
      kind: 'problem',
      id: `problem:${h.host}:message`,
      label: local ? 'Docker is not running' : 'Docker is not reachable',
      description: h.hostLabel,
      tooltip: h.error ?? `Docker at ${h.hostLabel} cannot be reached.`,
      contextValue: 'agents:docker-unavailable',
      icon: { id: 'warning', color: 'problemsWarningIcon.foreground' },
      children: [],
    },
    {
      kind: 'problem',
      id: `problem:${h.host}:retry`,
      label: local ? 'Start Docker, then retry' : 'Check the engine, then retry',
      tooltip: local
        ? 'Start Docker Desktop, or "sudo systemctl start docker" (Linux). Then click to look again.'
        : `Make sure the engine at ${h.hostLabel} runs and this machine may reach it. Then click to look again.`,
      contextValue: 'agents:fix',
      icon: { id: 'refresh' },
      command: { command: COMMANDS.refresh, title: 'Retry' },
      children: [],
    },
    {
      kind: 'problem',
      id: `problem:${h.host}:settings`,
      label: 'Use another Docker engine…',
      tooltip: 'Set agentFederation.docker.host to a DOCKER_HOST-style address (unix://, tcp://, ssh://).',
      contextValue: 'agents:fix',
      icon: { id: 'settings-gear' },
      command: { command: COMMANDS.openSettings, title: 'Open Settings', arguments: ['agentFederation.docker.host'] },
      children: [],
    },
  ];
}

/** Hosts in the order the list gives them; agents by creation time inside each. */
export function buildAgentsTree(list: ListResult): AgentsTreeNode[] {
  const nodes: HostNode[] = [];
  for (const h of list.hosts) {
    const agents = list.agents.filter((a) => a.host === h.host);
    const running = agents.filter((a) => a.status === 'running').length;
    const children: Array<AgentNode | ProblemNode> = [...(h.reachable ? [] : unreachableNodes(h)), ...agents.map(agentNode)];
    // The default engine always shows (it is where a deployment goes); others only while they have agents.
    if (h.host !== list.hosts[0]?.host && h.reachable && agents.length === 0) continue;
    nodes.push({
      kind: 'host',
      id: `host:${h.host}`,
      host: h.host,
      label: h.hostLabel,
      description: h.reachable ? `${agents.length} agent${agents.length === 1 ? '' : 's'}${running ? `, ${running} running` : ''}` : 'not reachable',
      tooltip: h.reachable ? `Docker engine at ${h.hostLabel}` : h.error ?? `Docker engine at ${h.hostLabel}: not reachable`,
      contextValue: h.reachable ? 'agents:host' : 'agents:host-unreachable',
      icon: h.reachable ? { id: 'server' } : { id: 'debug-disconnect', color: 'problemsWarningIcon.foreground' },
      children,
    });
  }
  return nodes;
}

/** When listing failed altogether (e.g. agents.json is corrupt). */
export function errorTree(message: string): AgentsTreeNode[] {
  return [{
    kind: 'problem',
    id: 'problem:list',
    label: 'Cannot list agents',
    description: message.length > 80 ? `${message.slice(0, 77)}…` : message,
    tooltip: message,
    contextValue: 'agents:error',
    icon: { id: 'error', color: 'errorForeground' },
    command: { command: COMMANDS.refresh, title: 'Retry' },
    children: [],
  }];
}
