// The matrix configs the workflow tests generate workflows from: every shape the generator has a branch for.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { simpleConfig } from './helpers';

const repo = path.resolve(__dirname, '..', '..', '..', '..');
export const FIXTURE_CONFIG = readFileSync(path.join(repo, 'demo', '.github', 'multi-agent-config.yml'), 'utf8');

export const CONFIGS: Record<string, string> = {
  'the demo monorepo': FIXTURE_CONFIG,
  'fail_fast waves, caching off, root module': simpleConfig([['a', 'b'], ['c'], ['d']], { extraPriority: (i) => (i < 2 ? '    fail_fast: true\n' : ''), extraTop: 'optimization:\n  caching:\n    enabled: false\n' }),
  'shards, continue_on_error, custom cache key, depends_on reorder': simpleConfig([['lint'], ['test']], {
    extraTop: `failure_handling:\n  continue_on_error: true\noptimization:\n  caching:\n    cache_key: "deps-\${{ hashFiles('**/package-lock.json') }}"\n    restore_keys: ["deps-"]\n`,
    extraPriority: (i) => (i === 0 ? '    depends_on: [priority_2]\n' : ''),
  }).replace('  test:\n    module: .\n', '  test:\n    module: packages/api\n    shards: 4\n'),
  'a single priority with one task': simpleConfig([['only']]),
};
