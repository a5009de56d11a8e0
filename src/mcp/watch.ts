// Tells the MCP session when the federation's state changes underneath it (another agent, the editor, the CLI),
// so it can notify subscribed clients. On files, fs.watch on the folder sees the state files' atomic
// replacements (a rename into place); on NATS, the backend pushes each commit (StateBackend.watch). A burst of
// events becomes one call.
import * as path from 'node:path';
import type { StateBackend } from '../core/federation/state/backend';
import type { FileSystem, Logger } from '../core/ports';

const SETTLE_MS = 25;

export function watchState(fs: FileSystem, root: string, onChange: () => void, logger: Logger, backend?: StateBackend): { close(): void } {
  const dirs = [path.join(root, '.federation'), path.join(root, '.federation', 'handoffs'), path.join(root, '.federation', 'locks')];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, SETTLE_MS);
  };
  const watchers = dirs.flatMap((d) => {
    try {
      const w = fs.watch(d, { persistent: false }, fire);
      w.on('error', (e) => logger.warn(`watching ${d}: ${String(e)}`));
      return [w];
    } catch {
      return []; // a folder made later (handoffs/ before the first handoff) is seen through its parent's events
    }
  });
  const pushed = backend?.watch?.(fire);
  return {
    close() {
      if (timer) clearTimeout(timer);
      watchers.forEach((w) => w.close());
      pushed?.close();
    },
  };
}
