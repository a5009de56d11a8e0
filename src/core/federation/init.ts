// Creating .federation/ for the file backend: its folders, empty state files, the default config.yaml and a
// .gitignore for what is process-local.
import { CONFIG_FILE, DEFAULT_CONFIG_YAML } from '../config';
import type { Logger } from '../ports';
import { LOCKS_DIR } from './locks';
import { serialize } from './state/codec';
import { STATE_FILES, emptyState } from './state/schemas';
import { errno, exists } from './state/fsutil';
import type { FederationStore } from './state/store';

/** Creates whatever is missing of .federation/; never overwrites a file that exists. Returns what it created. */
export async function initFederation(store: FederationStore, logger: Logger): Promise<string[]> {
  const fs = store.fs;
  const created: string[] = [];
  await fs.mkdir(store.dir, { recursive: true });
  for (const dir of ['handoffs', LOCKS_DIR]) {
    const p = store.pathOf(dir);
    if (!(await exists(fs, p))) {
      await fs.mkdir(p, { recursive: true });
      created.push(`${dir}/`);
    }
  }
  const files: [string, string][] = [
    [STATE_FILES.queue.file, serialize('queue', emptyState('queue')).text],
    [STATE_FILES.calendar.file, serialize('calendar', emptyState('calendar')).text],
    [CONFIG_FILE, DEFAULT_CONFIG_YAML],
    [
      '.gitignore',
      '# Process-local files of Agent Federation, and bootstrap packages written for terminals\nstate.lock/\nstate.waiting/\ncorrupt/\npackages/\n*.tmp\n',
    ],
    // personas.json last: its presence is what "initialized" means (and what activates the extension).
    [STATE_FILES.personas.file, serialize('personas', emptyState('personas')).text],
  ];
  for (const [rel, content] of files) {
    try {
      await fs.writeFile(store.pathOf(rel), content, { flag: 'wx' });
      created.push(rel);
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw e;
    }
  }
  logger.info(`init ${store.dir}: created ${created.join(', ') || 'nothing (already complete)'}`);
  return created;
}
