// The Runs tree as data: which runs get which context value (the menus hang on it) and description.
import * as assert from 'node:assert/strict';
import type { RunListing } from '../../../src/core/matrix/results';
import { buildRunsTree, RunDetails } from '../../../src/extension/matrix/runsModel';

function tree(runs: Array<Pick<RunListing, 'runId' | 'status'>>, details = new Map<string, RunDetails>()) {
  const listing = runs.map((r) => ({ ...r, dir: `/ws/.federation/runs/${r.runId}`, startedAt: '2026-11-21T10:00:00.000Z' }));
  return buildRunsTree({ runs: listing, details, now: new Date('2026-11-21T10:01:00.000Z') });
}

describe('Runs tree model', () => {
  it('GitHub runs without a report, failed or cancelled can be followed; passed, running and local runs keep run:STATUS', () => {
    const nodes = tree(
      [
        { runId: 'gh-10-1', status: 'incomplete' },
        { runId: 'gh-11-2', status: 'failed' },
        { runId: 'gh-12-1', status: 'cancelled' },
        { runId: 'gh-13-1', status: 'passed' },
        { runId: 'gh-14-1', status: 'incomplete' },
        { runId: '20261121-local', status: 'failed' },
        { runId: 'gh-foo', status: 'incomplete' },
      ],
      new Map([['gh-14-1', { results: new Map(), running: new Set<string>(), live: true, github: { url: 'https://github.com/o/r/actions/runs/14' } }]]),
    );
    assert.deepEqual(
      nodes.map((n) => [n.runId, n.contextValue]),
      [
        ['gh-10-1', 'run:incomplete:github'],
        ['gh-11-2', 'run:failed:github'],
        ['gh-12-1', 'run:cancelled:github'],
        ['gh-13-1', 'run:passed'],
        ['gh-14-1', 'run:running'],
        ['20261121-local', 'run:failed'],
        ['gh-foo', 'run:incomplete'],
      ],
    );
    assert.match(nodes[0]!.description ?? '', /^GitHub · no report yet/);
    assert.match(String(nodes[0]!.tooltip), /Follow Run on GitHub/);
    assert.match(nodes[4]!.description ?? '', /^GitHub · running/);
    assert.doesNotMatch(nodes[6]!.description ?? '', /GitHub/, 'gh-foo is not a GitHub run id');
  });
});
