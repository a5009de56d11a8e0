// The documented agent image recipes (docs/agent-images/*): their entrypoints hand the API key in /secrets to the
// agent CLI the way that CLI expects (Claude Code: an apiKeyHelper in its settings; Codex: `codex login
// --with-api-key` on stdin), never through the environment, in a container hardened as Deploy Agent makes it
// (read-only root, its /tmp tmpfs options, no capabilities, a non-root user). The agent CLIs are stand-ins (no registry here)
// that check what the real ones would read.
import * as assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TMPFS_OPTIONS } from '../../src/core/agents/plan';
import type { DockerClient } from '../../src/core/docker/client';
import { REPO } from '../helpers/cli';
import { busyboxContext, RUN_ID, runLabels, runToExit, useEngine } from './helpers';

const KEY = `sk-test-${RUN_ID}-0123456789`;

// A stand-in `claude`: the key must come from its settings' apiKeyHelper, not from the environment.
const CLAUDE = `#!/bin/sh
env | grep -q "${KEY}" && { echo "KEY IN ENVIRONMENT"; exit 3; }
helper=$(grep -o '"apiKeyHelper": *"[^"]*"' "$HOME/.claude/settings.json" | cut -d'"' -f4)
[ "$(sh -c "$helper")" = "${KEY}" ] && echo "claude: key from apiKeyHelper ($helper)" || { echo "claude: no key"; exit 4; }
echo "claude: args $*"
`;

// A stand-in \`codex\`: \`login --with-api-key\` stores stdin in CODEX_HOME/auth.json; any other call checks it is there.
const CODEX = `#!/bin/sh
if [ "$1" = login ] && [ "$2" = --with-api-key ]; then cat > "$CODEX_HOME/auth.json"; exit 0; fi
env | grep -q "${KEY}" && { echo "KEY IN ENVIRONMENT"; exit 3; }
[ "$(cat "$CODEX_HOME/auth.json")" = "${KEY}" ] && echo "codex: logged in from /secrets" || { echo "codex: not logged in"; exit 4; }
echo "codex: args $*"
`;

describe('Agent image recipes (real engine)', function () {
  this.timeout(90_000);
  const engine = useEngine();
  const { suite, each } = engine;
  let client: DockerClient;
  before(() => {
    client = engine.client;
  });

  async function imageWith(cli: string, stand: string, recipe: string): Promise<string> {
    const tag = `agent-federation-test/recipe-${cli}:${RUN_ID}`;
    const entrypoint = readFileSync(join(REPO, 'docs', 'agent-images', recipe, 'entrypoint.sh'));
    const tar = busyboxContext([
      { type: 'dir', name: 'rootfs/usr' },
      { type: 'dir', name: 'rootfs/usr/local' },
      { type: 'dir', name: 'rootfs/usr/local/bin' },
      { type: 'file', name: 'rootfs/usr/local/bin/agent-entrypoint', data: entrypoint, mode: 0o755 },
      { type: 'file', name: `rootfs/usr/local/bin/${cli}`, data: stand, mode: 0o755 },
      // As in the recipes' base image: /tmp is 1777. (The engine keeps an image's /tmp mode over the tmpfs' mode=.)
      { type: 'dir', name: 'rootfs/tmp', mode: 0o1777 },
    ]);
    await client.buildImage({ tar }, { tag, labels: runLabels(), timeoutMs: 120_000 });
    suite.image(tag);
    return tag;
  }

  function secrets(name: string): string {
    const dir = each.tempDir('recipe-secrets');
    writeFileSync(join(dir, name), KEY, { mode: 0o444 });
    chmodSync(dir, 0o755);
    return dir;
  }

  const hardened = { capDrop: ['ALL'], readOnlyRootfs: true, noNewPrivileges: true, pidsLimit: 64, network: 'none' };

  for (const [recipe, cli, stand, secret, expect] of [
    ['claude-code', 'claude', CLAUDE, 'ANTHROPIC_API_KEY', /claude: key from apiKeyHelper \(cat \/secrets\/ANTHROPIC_API_KEY\)\nclaude: args --print do it/],
    ['codex', 'codex', CODEX, 'OPENAI_API_KEY', /codex: logged in from \/secrets\ncodex: args exec do it/],
  ] as const) {
    it(`${recipe}: the entrypoint gives ${cli} the key from /secrets/${secret}, not from the environment`, async () => {
      const image = await imageWith(cli, stand, recipe);
      const cmd = cli === 'claude' ? ['claude', '--print', 'do it'] : ['codex', 'exec', 'do it'];
      const r = await runToExit(client, {
        image,
        entrypoint: ['/usr/local/bin/agent-entrypoint'],
        cmd,
        user: '10001:10001',
        mounts: [{ source: secrets(secret), target: '/secrets', readOnly: true }],
        tmpfs: { '/tmp': TMPFS_OPTIONS },
        hardening: hardened,
      });
      assert.equal(r.exitCode, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      assert.match(r.stdout, expect);
      const inspected = JSON.stringify(await client.inspectContainer(r.id));
      assert.ok(!inspected.includes(KEY), 'the key is nowhere in the container\'s configuration');
    });

    it(`${recipe}: without the secret the entrypoint says which one to set`, async () => {
      const image = await imageWith(cli, stand, recipe);
      const r = await runToExit(client, {
        image, entrypoint: ['/usr/local/bin/agent-entrypoint'], cmd: ['true'], user: '10001:10001', tmpfs: { '/tmp': TMPFS_OPTIONS }, hardening: hardened,
      });
      assert.equal(r.exitCode, 0);
      assert.match(r.stderr, new RegExp(`no /secrets/${secret}; set the agent secret ${secret}`));
    });
  }
});
