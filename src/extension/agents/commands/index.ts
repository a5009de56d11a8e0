import type { AgentCommand } from '../context';
import { collect } from './collect';
import { deploy } from './deploy';
import { exportCompose } from './exportCompose';
import { followLogs } from './followLogs';
import { inspectHardening } from './inspectHardening';
import { openOutput } from './openOutput';
import { prune } from './prune';
import { refresh } from './refresh';
import { remove } from './remove';
import { restart } from './restart';
import { setSecret } from './setSecret';
import { showReport } from './showReport';
import { stop } from './stop';

export const AGENT_COMMANDS: AgentCommand[] = [
  deploy, followLogs, stop, restart, remove, collect, openOutput, showReport, inspectHardening, prune, exportCompose, refresh, setSecret,
];
