// What benchmarks share: alternated rounds of ours and the anchor (so load drifts hit both alike) and
// their medians.

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export const round = (n: number): number => Math.round(n * 100) / 100;

/** Runs ours, then the anchor (given its round), `rounds` times; the medians of each, in ms. */
export async function alternated(rounds: number, ours: () => Promise<number>, anchor: (round: number) => Promise<number>): Promise<{ oursMs: number; anchorMs: number }> {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(await ours());
    b.push(await anchor(r));
  }
  return { oursMs: median(a), anchorMs: median(b) };
}
