import type { Command } from '../../commands/registry';
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

/** Registered with the Agents view (ids: AGENT_COMMAND_IDS). */
export const AGENT_COMMANDS: readonly Command[] = [
  deploy, followLogs, stop, restart, remove, collect, openOutput, showReport, inspectHardening, prune, exportCompose, refresh, setSecret,
];
