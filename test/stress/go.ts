// The start signal of runWorkersTogether (run.ts), in a module of its own so that the naive worker loads no more
// than it needs.

/** In a worker started by runWorkersTogether: says it is ready, and resolves when told to go. */
export async function waitForGo(): Promise<void> {
  if (process.env['FED_STRESS_GO'] !== '1') return;
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => {
    process.stdin.once('data', () => resolve());
    process.stdin.once('end', () => resolve());
  });
  process.stdin.pause();
}
