// Every subcommand's command line is checked against its flag table before it acts: unknown flags, a flag of
// another subcommand, extra words and bad choices are usage errors (exit 2) that name the argument. Run through
// the shipped dist/cli.js; the tables are read from the compiled COMMANDS so a new subcommand is covered at once.
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { BOOLEAN_FLAGS, GLOBAL_FLAGS } from '../../../src/cli/args';
import { COMMANDS } from '../../../src/cli/main';
import { SubcommandSpec } from '../../../src/cli/types';
import { cliIn } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';

/** `federation <command> [<sub>]` as words. */
function head(command: string, sub: string): string[] {
  return sub === '' ? [command] : [command, sub];
}

/** Enough words for the subcommand's minimum, so that what is checked is the flag or the extra word. */
function minimalWords(spec: SubcommandSpec): string[] {
  return (spec.words ?? []).filter((w) => !w.startsWith('[')).map((_, i) => `w${i + 1}`);
}

/** A flag one edit away from `name`: its second letter dropped (`persona` → `prsona`). */
function misspelt(name: string): string {
  return name.slice(0, 1) + name.slice(2);
}

describe('federation CLI: every command line is checked before anything is done', () => {
  const tmp = useTempDir();
  const run = cliIn(() => tmp.path);

  it('every command declares its subcommands', () => {
    for (const c of COMMANDS) assert.ok(Object.keys(c.subcommands).length > 0, `${c.name} has no subcommand table`);
  });

  for (const command of COMMANDS) {
    for (const [sub, spec] of Object.entries(command.subcommands)) {
      const name = head(command.name, sub).join(' ');

      it(`${name}: an unknown flag, a misspelt one and an extra word are usage errors naming them, and nothing is written`, async () => {
        const words = minimalWords(spec);
        const first = Object.keys(spec.flags ?? {})[0];
        const variadic = (spec.words ?? []).some((w) => w.endsWith('...'));
        const [bogus, typo, extra] = await Promise.all([
          run(...head(command.name, sub), ...words, '--bogus-flag'),
          first !== undefined ? run(...head(command.name, sub), ...words, `--${misspelt(first)}`, 'x') : undefined,
          variadic ? undefined : run(...head(command.name, sub), ...words, 'extra-word'),
        ]);
        assert.equal(bogus.code, 2, bogus.err);
        assert.match(bogus.err, /unknown flag --bogus-flag/);
        if (typo) {
          assert.equal(typo.code, 2, typo.err);
          assert.ok(typo.err.includes(`unknown flag --${misspelt(first!)} (did you mean --${first}?)`), typo.err);
        }
        if (extra) {
          assert.equal(extra.code, 2, extra.err);
          assert.match(extra.err, /unexpected argument "extra-word"/);
        }
        assert.deepEqual(readdirSync(tmp.path), [], 'a refused command line left something behind');
      });

      it(`${name}: the usage line shows exactly the flags of the table`, () => {
        // A note after three spaces ("(removes task containers a crashed --isolation docker run left)") is prose.
        const shown = new Set([...spec.usage.split('   ')[0]!.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]));
        assert.deepEqual([...shown].sort(), Object.keys(spec.flags ?? {}).sort());
      });
    }
  }

  it('the parser takes no value for exactly the flags the tables call bool', () => {
    const bool = new Set(Object.entries(GLOBAL_FLAGS).filter(([, k]) => k === 'bool').map(([f]) => f));
    for (const c of COMMANDS) {
      for (const [sub, spec] of Object.entries(c.subcommands)) {
        for (const [flag, kind] of Object.entries(spec.flags ?? {})) {
          if (kind === 'bool') bool.add(flag);
          else assert.ok(!BOOLEAN_FLAGS.has(flag), `--${flag} of ${c.name} ${sub} takes a value, but the parser never gives it one`);
        }
      }
    }
    assert.deepEqual([...BOOLEAN_FLAGS].sort(), [...bool].sort());
  });

  describe('in a federation', () => {
    beforeEach(async () => {
      assert.equal((await run('init')).code, 0);
      assert.equal((await run('persona', 'register', 'research', '--skills', 'research')).code, 0);
    });

    it('task add with misspelt flags adds nothing and suggests the flags meant', async () => {
      const r = await run('task', 'add', 'x', '--prio', '1', '--skils', 'research');
      assert.equal(r.code, 2);
      assert.match(r.err, /unknown flag --prio \(did you mean --priority\?\)/);
      assert.match(r.err, /unknown flag --skils \(did you mean --skills\?\)/);
      assert.deepEqual(JSON.parse((await run('task', 'list', '--json')).out).tasks, []);
    });

    it('task claim with a task id claims nothing (claim takes the next task; there is no id to give)', async () => {
      await run('task', 'add', 'first', '--skills', 'research');
      await run('task', 'add', 'second', '--skills', 'research');
      const r = await run('task', 'claim', 'T2', '--persona', 'research');
      assert.equal(r.code, 2);
      assert.match(r.err, /unexpected argument "T2"/);
      const tasks = JSON.parse((await run('task', 'list', '--json')).out).tasks as { status: string }[];
      assert.deepEqual(tasks.map((t) => t.status), ['queued', 'queued']);
    });

    it('task list --status takes a known status, and the error lists them', async () => {
      const r = await run('task', 'list', '--status', 'bogus');
      assert.equal(r.code, 2);
      assert.match(r.err, /--status is one of queued, claimed, in_progress, done, failed, handed_off, cancelled; got "bogus"/);
      assert.equal((await run('task', 'list', '--status', 'queued')).code, 0);
    });

    it('a flag of a sibling subcommand is named as such', async () => {
      const r = await run('lock', 'release', 'db', '--persona', 'research', '--ttl', '5');
      assert.equal(r.code, 2);
      assert.match(r.err, /unknown flag --ttl \(it is a flag of "lock acquire"\)/);
    });

    it('a bare flag that needs a value, and a value given to a bare flag, are usage errors', async () => {
      const bare = await run('task', 'claim', '--persona');
      assert.equal(bare.code, 2);
      assert.match(bare.err, /--persona needs a value/);
      const valued = await run('lock', 'release', 'db', '--persona', 'research', '--force=yes');
      assert.equal(valued.code, 2);
      assert.match(valued.err, /--force takes no value/);
    });

    it('an unknown subcommand suggests the one meant', async () => {
      const r = await run('task', 'lsit');
      assert.equal(r.code, 2);
      assert.match(r.err, /unknown task subcommand "lsit" \(did you mean list\?\)/);
    });

    it('--json, --root and --help are valid after any subcommand; --help shows the usage and does nothing', async () => {
      const help = await run('task', 'add', 'x', '--help');
      assert.equal(help.code, 0);
      assert.match(help.out, /federation task add TITLE/);
      assert.deepEqual(JSON.parse((await run('task', 'list', '--json', '--root', tmp.path)).out).tasks, []);
    });
  });
});
