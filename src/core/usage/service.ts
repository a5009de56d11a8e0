// The usage ledger as one service for every front end (`federation usage`, the federation dashboard): the
// attempts' usage on the tasks and what the agents reported, in one list, rolled up however it is asked.
import type { AgentService } from '../agents';
import type { Federation } from '../federation';
import { rollUp, taskUsage, type UsageEntry, type UsageGrouping, type UsageRow } from '../federation/usage';

export class UsageService {
  constructor(
    private readonly fed: Federation,
    /** Absent where agents are not set up: then only the tasks' usage counts. */
    private readonly agents?: () => AgentService,
  ) {}

  async entries(): Promise<UsageEntry[]> {
    const [tasks, reported] = await Promise.all([this.fed.listTasks(), this.agents ? this.agents().reportedUsage() : Promise.resolve([])]);
    return [...taskUsage(tasks), ...reported].sort((a, b) => a.at.localeCompare(b.at));
  }

  async rollUp(by: UsageGrouping): Promise<{ by: UsageGrouping; rows: UsageRow[]; total: UsageRow }> {
    return { by, ...rollUp(await this.entries(), by) };
  }
}
