// Report panel benchmarks: the run report's timeline for 1,000 units rendered in headless Debian chromium (the
// time the page itself measures around building the SVG and its layout, median of 7 renders; target < 200 ms),
// the whole page's render, the mapping from run results to the view model on the extension side, and the size of
// each page bundle as shipped.
import { runReportModel } from '../src/core/reports/models';
import type { PageMessage } from '../src/core/reports/protocol';
import { makeHistory, makeRun } from '../test/fixtures/webviews/runs';
import { buildBundles, launch, showModel, startServer } from '../test/webviews/harness';
import { round } from './federation';

const UNITS = 1000;
const RENDERS = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchWebviews(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const run = makeRun({ units: UNITS, waves: 5, agents: 12, failEvery: 9 });
  const history = makeHistory(10, { units: 50 });
  const mapTimes: number[] = [];
  let model = runReportModel({ summary: run.summary, tasks: run.tasks, now: new Date() });
  for (let i = 0; i < RENDERS; i++) {
    const t0 = performance.now();
    model = runReportModel({
      summary: run.summary, tasks: run.tasks, now: new Date(),
      history: history.map((h) => ({ runId: h.summary.runId, startedAt: h.summary.startedAt, status: h.summary.status, totalMs: h.summary.totalMs, successRate: h.summary.successRate })),
      previous: { summary: history[9]!.summary, tasks: history[9]!.tasks },
    });
    mapTimes.push(performance.now() - t0);
  }
  out[`runModelMs_${UNITS}tasks_median`] = round(median(mapTimes));

  const bundles = await buildBundles();
  for (const [name, b] of Object.entries(bundles)) out[`${name}PageBytes_minified`] = b.js.length + b.css.length;

  const server = await startServer();
  const session = await launch();
  try {
    const p = await showModel(session, server, model, { theme: 'dark', width: 1400, height: 900 });
    const timeline = async () => (await p.posted()).flatMap((m: PageMessage) => (m.type === 'rendered' && m.section === 'timeline' ? [m.ms] : []));
    for (let i = 1; i < RENDERS; i++) {
      const before = (await timeline()).length;
      await p.send({ type: 'update', model });
      const deadline = Date.now() + 15_000;
      while ((await timeline()).length === before) {
        if (Date.now() > deadline) throw new Error('the page did not render the update within 15 s');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const times = await timeline();
    out[`timelineRenderMs_${UNITS}tasks_median`] = round(median(times));
    out[`timelineRenderMs_${UNITS}tasks_max`] = round(Math.max(...times));
    const pages = (await p.posted()).flatMap((m: PageMessage) => (m.type === 'rendered' && m.section === 'page' ? [m.ms] : []));
    out[`pageRenderMs_${UNITS}tasks_median`] = round(median(pages));
    await p.close();
  } finally {
    await session.close();
    await server.close();
  }
  return out;
}

if (require.main === module) {
  benchWebviews().then((r) => console.log(JSON.stringify(r, null, 2)), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
