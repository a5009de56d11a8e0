import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { generatedSchema, staleSchemas } from '../../../scripts/gen-schemas';
import { AgentReportSchema, AgentsFileSchema } from '../../../src/core/agents';
import { parseAgentsFile } from '../../../src/core/agents/records';
import { StateFileError } from '../../../src/core/errors';

const SCHEMAS = path.resolve(__dirname, '..', '..', '..', '..', 'schemas');

describe('agent schemas', () => {
  it('schemas/agent-report.schema.json is generated from AgentReportSchema and up to date', () => {
    assert.ok(!staleSchemas(SCHEMAS).includes('agent-report.schema.json'), 'run: npm run gen:schemas');
    const json = JSON.parse(generatedSchema('agent-report.schema.json').json) as { required: string[]; additionalProperties: boolean };
    assert.deepEqual(json.required, ['status', 'summary', 'deliverables', 'startedAt', 'finishedAt']);
    assert.equal(json.additionalProperties, false);
  });

  it('a report needs status, summary, deliverables and times; paths stay in /output', () => {
    const ok = { status: 'partial', summary: 's', deliverables: [{ path: 'a.md' }, { path: '/output/b/c.md' }], startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z' };
    assert.equal(AgentReportSchema.safeParse(ok).success, true);
    for (const bad of [
      { ...ok, status: 'done' },
      { ...ok, summary: '' },
      { ...ok, deliverables: [{ path: '/etc/passwd' }] },
      { ...ok, deliverables: [{ path: 'x/../../y' }] },
      { ...ok, startedAt: 'yesterday' },
      { ...ok, metrics: { n: 'many' } },
      { ...ok, extra: 1 },
    ]) assert.equal(AgentReportSchema.safeParse(bad).success, false, JSON.stringify(bad));
  });

  it('agents.json is validated and a bad one is reported, not overwritten', () => {
    assert.deepEqual(parseAgentsFile(undefined, 'f'), { version: 1, revision: 0, agents: [] });
    assert.throws(() => parseAgentsFile('{', 'f'), StateFileError);
    try {
      parseAgentsFile(JSON.stringify({ version: 1, revision: 0, agents: [{ id: 'Bad Id' }] }), '/x/agents.json');
      assert.fail('expected a StateFileError');
    } catch (e) {
      assert.ok(e instanceof StateFileError);
      assert.equal(e.reason, 'state-corrupt');
      assert.match(e.field, /^agents\.0\./);
    }
    assert.equal(AgentsFileSchema.safeParse({ version: 1, revision: 0, agents: [] }).success, true);
  });
});
