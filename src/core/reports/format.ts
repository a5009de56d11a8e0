// Number and time formatting shared by the pages and the Markdown/HTML export, so a figure reads the same everywhere.

/** "850 ms", "4.20 s", "12.3 s", "3m 12s", "2h 05m". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const neg = ms < 0;
  const a = Math.abs(ms);
  let s: string;
  if (a < 1000) s = `${Math.round(a)} ms`;
  else if (a < 10_000) s = `${(a / 1000).toFixed(2)} s`;
  else if (a < 60_000) s = `${(a / 1000).toFixed(1)} s`;
  else if (a < 3_600_000) {
    const m = Math.floor(a / 60_000);
    s = `${m}m ${String(Math.round((a - m * 60_000) / 1000)).padStart(2, '0')}s`;
  } else {
    const h = Math.floor(a / 3_600_000);
    s = `${h}h ${String(Math.floor((a - h * 3_600_000) / 60_000)).padStart(2, '0')}m`;
  }
  return neg ? `-${s}` : s;
}

/** "+1.20 s" / "-850 ms": a change. */
export function signedDuration(ms: number): string {
  return ms > 0 ? `+${duration(ms)}` : ms < 0 ? duration(ms) : '±0';
}

/** 0.8734 → "87.3%". */
export function percent(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return '–';
  const v = Math.round(x * 100 * 10 ** digits) / 10 ** digits;
  return `${v.toFixed(v === Math.round(v) ? 0 : digits)}%`;
}

/** A change of a ratio in points: +0.05 → "+5.0 pts". */
export function signedPoints(x: number): string {
  const v = Math.round(x * 1000) / 10;
  return `${v > 0 ? '+' : ''}${v.toFixed(1)} pts`;
}

export function times(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : '–';
}

export function bytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** "2026-11-21 09:03:12" in UTC: reports are shared across time zones. */
export function timestamp(iso: string | null): string {
  if (!iso) return '–';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}

/** Plural: count(3, 'task') → "3 tasks". */
export function count(n: number, word: string, plural = `${word}s`): string {
  return `${n} ${n === 1 ? word : plural}`;
}

/** A readable step for a time axis spanning `spanMs` with about `target` ticks. */
export function tickStep(spanMs: number, target = 8): number {
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000];
  const raw = spanMs / Math.max(1, target);
  return steps.find((s) => s >= raw) ?? Math.ceil(raw / 3_600_000) * 3_600_000;
}

/** Axis label for a tick: "0", "30s", "1m 30s", "2h". */
export function tickLabel(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${ms / 1000}s`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].filter(Boolean).join(' ');
}

const RESOURCE_WORD = { cpu: 'the CPU time', memory: 'the memory', output: 'the output bytes' } as const;

/** A resource amount as the reports show it: CPU as a duration, memory and output as bytes. */
export function resourceAmount(kind: keyof typeof RESOURCE_WORD, v: number): string {
  return kind === 'cpu' ? duration(v) : bytes(v);
}

/** "test-web used 2.3× the memory (40.0 MiB → 92.0 MiB)": a change against the previous run. */
export function resourceChange(x: { unit: string; kind: keyof typeof RESOURCE_WORD; before: number; after: number; ratio: number }): string {
  const r = x.ratio >= 10 ? x.ratio.toFixed(0) : x.ratio.toFixed(1);
  return `${x.unit} used ${r}× ${RESOURCE_WORD[x.kind]} (${resourceAmount(x.kind, x.before)} → ${resourceAmount(x.kind, x.after)})`;
}
