import { ParsedArgs, UsageError } from './types';

/** Flags that never take a value, so `--json task list` does not swallow `task`. */
export const BOOLEAN_FLAGS = new Set(['json', 'help', 'force', 'follow', 'yes', 'verbose', 'allow-workspace-commands', 'fix', 'no-setup']);

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
