import { CliCommand, FlagKind, ParsedArgs, SubcommandSpec, UsageError } from './types';

/** Flags that never take a value, so `--json task list` does not swallow `task`. Every `bool` of a flag table is here. */
export const BOOLEAN_FLAGS = new Set(['json', 'help', 'force', 'follow', 'allow-workspace-commands', 'fix', 'no-setup', 'read-only', 'replace', 'stat', 'pr', 'draft', 'rm', 'copy-files']);

export function parseArgs(argv: string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | boolean | string[]>();
  const put = (name: string, value: string | boolean) => {
    const prev = flags.get(name);
    if (prev === undefined) flags.set(name, value);
    else flags.set(name, [...(Array.isArray(prev) ? prev : [String(prev)]), String(value)]);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        put(a.slice(2, eq), a.slice(eq + 1));
        continue;
      }
      const name = a.slice(2);
      const next = argv[i + 1];
      if (BOOLEAN_FLAGS.has(name) || next === undefined || next.startsWith('--')) put(name, true);
      else {
        put(name, next);
        i++;
      }
    } else {
      positionals.push(a);
    }
  }
  return { positionals, flags };
}

export function stringFlag(args: ParsedArgs, name: string, required: true): string;
export function stringFlag(args: ParsedArgs, name: string, required?: false): string | undefined;
export function stringFlag(args: ParsedArgs, name: string, required = false): string | undefined {
  const v = args.flags.get(name);
  if (v === undefined) {
    if (required) throw new UsageError(`--${name} is required`);
    return undefined;
  }
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return Array.isArray(v) ? v[v.length - 1] : String(v);
}

export function intFlag(args: ParsedArgs, name: string): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got "${v}"`);
  return Number(v);
}

export function listFlag(args: ParsedArgs, name: string): string[] {
  const v = args.flags.get(name);
  if (v === undefined || v === true) return [];
  const values = Array.isArray(v) ? v : [String(v)];
  return values.flatMap((x) => x.split(',')).map((s) => s.trim()).filter(Boolean);
}

export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name) === true;
}

export function positional(args: ParsedArgs, index: number, what: string): string {
  const v = args.positionals[index];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

/** Valid before or after every command: main.ts reads them (in-process callers may leave them in). */
export const GLOBAL_FLAGS: Readonly<Record<string, FlagKind>> = { json: 'bool', root: 'value', help: 'bool' };

export function choiceFlag<T extends string>(args: ParsedArgs, name: string, choices: readonly T[]): T | undefined {
  const v = stringFlag(args, name);
  if (v !== undefined && !(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} is one of ${choices.join(', ')}; got "${v}"`);
  return v as T | undefined;
}

/**
 * A command whose subcommands' command lines are declared in one table: `run` is only reached once the
 * subcommand, every flag and the number of words are known good, so a wrong command line changes nothing.
 */
export function defineCommand(name: string, subcommands: Record<string, SubcommandSpec>, run: CliCommand['run']): CliCommand {
  return {
    name,
    subcommands,
    usage: Object.entries(subcommands).map(([sub, spec]) => [name, sub, spec.usage].filter(Boolean).join(' ')),
    async run(ctx, args) {
      checkArgs(name, subcommands, args);
      return run(ctx, args);
    },
  };
}

export function checkArgs(name: string, subcommands: Record<string, SubcommandSpec>, args: ParsedArgs): void {
  // '' is the command without a subcommand word (`init`); beside other subcommands it is the default
  // (`mcp` serves, `mcp install` installs).
  const first = args.positionals[0];
  const single = first !== undefined && first !== '' && Object.hasOwn(subcommands, first) ? undefined : subcommands[''];
  let spec: SubcommandSpec;
  let where: string;
  let words: string[];
  if (single) {
    [spec, where, words] = [single, name, args.positionals];
  } else {
    const subs = Object.keys(subcommands);
    const sub = args.positionals[0];
    if (sub === undefined) throw new UsageError(`missing ${/^[aeiou]/.test(name) ? 'an' : 'a'} ${name} subcommand (${subs.join(', ')})`);
    const found = subcommands[sub];
    if (!Object.hasOwn(subcommands, sub) || !found) throw new UsageError(`unknown ${name} subcommand "${sub}"${hint(sub, subs, (s) => s) ?? ` (${subs.join(', ')})`}`);
    [spec, where, words] = [found, `${name} ${sub}`, args.positionals.slice(1)];
  }

  // Flags first: a misspelt flag is what most often also leaves a word over (`--skils research`).
  const flags = { ...GLOBAL_FLAGS, ...spec.flags };
  const unknown = [...args.flags.keys()].filter((f) => !Object.hasOwn(flags, f));
  if (unknown.length) {
    const elsewhere = (f: string) => Object.entries(subcommands).find(([, s]) => s.flags && Object.hasOwn(s.flags, f))?.[0];
    throw new UsageError(
      unknown
        .map((f) => {
          const other = elsewhere(f);
          const why =
            hint(f, Object.keys(flags), (x) => `--${x}`) ??
            (other !== undefined ? ` (it is a flag of "${name} ${other}")` : ` (${where} takes ${Object.keys(spec.flags ?? {}).map((x) => `--${x}`).join(', ') || 'no flags'})`);
          return `unknown flag --${f}${why}`;
        })
        .join('; '),
    );
  }
  for (const [flag, value] of args.flags) {
    const kind = flags[flag]!;
    const values = Array.isArray(value) ? value : [value];
    if (kind === 'bool') {
      if (values.some((v) => v !== true && v !== 'true')) throw new UsageError(`--${flag} takes no value`);
    } else if (value === true) {
      throw new UsageError(`--${flag} needs a value`);
    } else if (typeof kind !== 'string') {
      const last = String(values[values.length - 1]);
      if (!kind.includes(last)) throw new UsageError(`--${flag} is one of ${kind.join(', ')}; got "${last}"`);
    }
  }

  const names = spec.words ?? [];
  const variadic = names.length > 0 && names[names.length - 1]!.endsWith('...');
  const min = names.filter((n) => !n.startsWith('[')).length;
  if (words.length < min) throw new UsageError(`missing ${names[words.length]!.replace(/\.\.\.$/, '')}`);
  const extraAllowed = variadic || (spec.wordsOf !== undefined && args.flags.has(spec.wordsOf));
  if (!extraAllowed && words.length > names.length) throw new UsageError(`unexpected argument "${words[names.length]}" (${where} takes ${names.length ? names.join(' ') : 'no words'})`);
}

/** ` (did you mean X?)` for a near miss (a typo, or the start of a name), else undefined. */
function hint(given: string, known: string[], show: (k: string) => string): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = k.startsWith(given) && given.length >= 3 ? 0.5 : distance(given, k);
    if (!best || d < best.d) best = { name: k, d };
  }
  return best && best.d <= Math.max(1, Math.min(2, Math.floor(given.length / 3))) ? ` (did you mean ${show(best.name)}?)` : undefined;
}

/** Edit distance, a swap of neighbours counting one (optimal string alignment). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
