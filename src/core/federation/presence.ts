// A persona's presence while something acts as it (an editor window, an MCP session): a heartbeat, and the locks
// it holds from this host renewed with it, on one timer. When the holder goes away the timer stops with it, and
// the documented rules take over: the persona shows offline after heartbeat.offlineAfterSeconds, its locks lapse
// one TTL after the last renewal. Both front ends use this one loop, so they cannot drift apart.
import type { Logger, TimerHandle, Timers } from '../ports';
import { describeError, FederationError } from '../errors';
import type { Federation } from './service';

export interface PresenceOptions {
  /** Seconds between beats (at least 5, as the editor setting). */
  intervalSeconds: number;
  /** Lifetime a renewal gives each lock; default config.yaml's locks.resourceTtlMinutes. */
  ttlMinutes?: number;
  logger: Logger;
  /** Where the beats are scheduled (systemTimers; a fake clock in tests). */
  timers: Timers;
  /** Called after each beat, failed or not (tests wait on it instead of on time). */
  onBeat?: (error?: unknown) => void;
}

export class PersonaPresence {
  private timer: TimerHandle | undefined;
  private stopped = true;
  private running: Promise<void> | undefined;

  constructor(
    private readonly fed: Federation,
    readonly personaId: string,
    private readonly options: PresenceOptions,
  ) {}

  /** Beats now and then every interval; a second start() restarts the timer. */
  start(): Promise<void> {
    this.stop();
    this.stopped = false;
    this.schedule();
    return this.beat();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The next beat one interval from now (a chain of timeouts: a slow beat never stacks up behind itself). */
  private schedule(): void {
    this.timer = this.options.timers.setTimeout(() => {
      if (this.stopped) return;
      void this.beat().finally(() => {
        if (!this.stopped) this.schedule();
      });
    }, Math.max(5, this.options.intervalSeconds) * 1000);
  }

  /** One heartbeat and lock renewal; beats never overlap (a slow disk skips a tick rather than piling up). */
  beat(): Promise<void> {
    this.running ??= this.beatOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async beatOnce(): Promise<void> {
    try {
      // Locks first: a heartbeat that others can see means this beat's renewals are written too.
      await this.fed.renewLocks(this.personaId, this.options.ttlMinutes === undefined ? {} : { ttlMinutes: this.options.ttlMinutes });
      await this.fed.heartbeat(this.personaId);
      this.options.onBeat?.();
    } catch (e) {
      this.options.logger.warn(`heartbeat for ${this.personaId}: ${describeError(e)}`);
      this.options.onBeat?.(e);
    }
  }
}

/**
 * Refuses to act as a persona that cannot be served here: no federation at `root`, or no such persona. What an
 * MCP server checks before it starts and `mcp install` before it writes an entry that would only fail later.
 */
export async function requireRegisteredPersona(fed: Federation, personaId: string): Promise<void> {
  if (!(await fed.isInitialized())) {
    throw new FederationError('not-initialized', `${fed.root} has no federation (.federation/); run \`federation init\` there first.`, { root: fed.root });
  }
  const personas = await fed.listPersonas();
  if (!personas.some((p) => p.id === personaId)) {
    throw new FederationError('not-found', `No persona "${personaId}" is registered in ${fed.root} (registered: ${personas.map((p) => p.id).join(', ') || 'none'}).`, { persona: personaId });
  }
}
