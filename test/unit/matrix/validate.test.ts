import * as assert from 'node:assert/strict';
import { formatFinding, MatrixFinding, validateMatrixConfig } from '../../../src/core/matrix/validate';

const FILE = '.github/multi-agent-config.yml';

/** Zero-based position of the `nth` occurrence of `needle` (found by plain text search, not by the parser). */
function pos(text: string, needle: string, nth = 1): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `"${needle}" #${nth} not in the text`);
  }
  const before = text.slice(0, at);
  return { line: before.split('\n').length - 1, character: at - (before.lastIndexOf('\n') + 1) };
}

function only(findings: MatrixFinding[], code: string): MatrixFinding {
  const hits = findings.filter((f) => f.code === code);
  assert.equal(hits.length, 1, `one ${code} finding expected, got ${JSON.stringify(findings, null, 1)}`);
  return hits[0]!;
}

const GOOD = `tasks:
  lint:
    module: backend
    command: npm run lint
    timeout: 5
    priority: 1
  test:
    module: backend
    command: npm test
    timeout: 10
    priority: 2
priorities:
  priority_1:
    name: Quality
    tasks: [lint]
  priority_2:
    name: Tests
    tasks:
      - test
    depends_on: [priority_1]
architecture:
  anything: [goes, here]
monitoring: free text
`;

describe('matrix config validation', () => {
  it('accepts a good config, keeps descriptive sections and reports no finding', () => {
    const v = validateMatrixConfig(GOOD, FILE);
    assert.deepEqual(v.findings, []);
    assert.ok(v.config);
    assert.deepEqual(v.config.tasks['lint']!.command, 'npm run lint');
    assert.deepEqual((v.config as Record<string, unknown>)['architecture'], { anything: ['goes', 'here'] });
  });

  it('YAML syntax error: exact position, no config', () => {
    const text = 'tasks:\n  lint:\n    module: [backend\n    command: x\n';
    const v = validateMatrixConfig(text, FILE);
    assert.equal(v.config, undefined);
    const f = v.findings[0]!;
    assert.equal(f.code, 'yaml-syntax');
    assert.equal(f.severity, 'error');
    assert.ok(f.range.start.line >= 2, JSON.stringify(f.range));
    assert.match(formatFinding(f), /^\.github\/multi-agent-config\.yml:\d+:\d+: YAML: /);
  });

  it('a duplicate key is a YAML error at the second key', () => {
    const text = GOOD.replace('    timeout: 5\n', '    timeout: 5\n    timeout: 6\n');
    const f = only(validateMatrixConfig(text, FILE).findings, 'yaml-syntax');
    assert.deepEqual(f.range.start, pos(text, 'timeout: 6'));
  });

  it('unknown task id in a priority: the list item itself', () => {
    const text = GOOD.replace('tasks: [lint]', 'tasks: [lint, lnt]');
    const v = validateMatrixConfig(text, FILE);
    assert.equal(v.config, undefined);
    const f = only(v.findings, 'unknown-task');
    assert.deepEqual(f.range.start, pos(text, 'lnt]'));
    assert.deepEqual(f.range.end, { line: f.range.start.line, character: f.range.start.character + 3 });
    assert.deepEqual(f.path, ['priorities', 'priority_1', 'tasks', 1]);
    assert.equal(formatFinding(f), `${FILE}:15:19: unknown task "lnt" in priority_1; the tasks section has lint, test`);
  });

  it('a task in no priority: the task key', () => {
    const text = GOOD.replace('priorities:', '  orphan:\n    module: web\n    command: npm run x\npriorities:');
    const f = only(validateMatrixConfig(text, FILE).findings, 'unassigned-task');
    assert.deepEqual(f.range.start, pos(text, 'orphan:'));
    assert.deepEqual(f.range.end, { ...pos(text, 'orphan:'), character: pos(text, 'orphan:').character + 'orphan'.length });
  });

  it('a task listed in two priorities', () => {
    const text = GOOD.replace('      - test\n', '      - test\n      - lint\n');
    const f = only(validateMatrixConfig(text, FILE).findings, 'duplicate-task');
    assert.deepEqual(f.range.start, { ...pos(text, '- lint'), character: pos(text, '- lint').character + 2 });
    assert.match(f.message, /already in priority_1/);
  });

  it('a depends_on cycle: reported once, at the edge that closes it', () => {
    const text = GOOD.replace('    name: Quality\n', '    name: Quality\n    depends_on: priority_2\n');
    const v = validateMatrixConfig(text, FILE);
    const f = only(v.findings, 'depends-on-cycle');
    assert.equal(f.message, 'depends_on cycle: priority_1 → priority_2 → priority_1');
    assert.deepEqual(f.range.start, { ...pos(text, 'depends_on: priority_2'), character: pos(text, 'depends_on: priority_2').character + 'depends_on: '.length });
  });

  it('a self-dependency and a three-priority cycle', () => {
    const self = GOOD.replace('depends_on: [priority_1]', 'depends_on: [priority_2]');
    assert.match(only(validateMatrixConfig(self, FILE).findings, 'depends-on-cycle').message, /priority_2 → priority_2/);
    const three = `tasks:\n  a: {module: ., command: x}\n  b: {module: ., command: x}\n  c: {module: ., command: x}\npriorities:\n  priority_1: {tasks: [a], depends_on: [3]}\n  priority_2: {tasks: [b], depends_on: [priority_1]}\n  priority_3: {tasks: [c], depends_on: [priority_2]}\n`;
    const f = only(validateMatrixConfig(three, FILE).findings, 'depends-on-cycle');
    assert.equal(f.message, 'depends_on cycle: priority_1 → priority_3 → priority_2 → priority_1');
    assert.deepEqual(f.range.start, pos(three, '3]}'));
  });

  it('depends_on an unknown priority', () => {
    const text = GOOD.replace('depends_on: [priority_1]', 'depends_on: [priority_9]');
    const f = only(validateMatrixConfig(text, FILE).findings, 'unknown-priority');
    assert.deepEqual(f.range.start, pos(text, 'priority_9'));
  });

  it('bad types: the value, with the dotted path in the message', () => {
    const text = GOOD.replace('timeout: 10', 'timeout: ten').replace('    priority: 1\n', '    priority: 7\n');
    const v = validateMatrixConfig(text, FILE);
    assert.equal(v.config, undefined);
    const timeout = v.findings.find((f) => f.path.join('.') === 'tasks.test.timeout')!;
    assert.deepEqual(timeout.range.start, pos(text, 'ten'));
    assert.deepEqual(timeout.range.end, { ...pos(text, 'ten'), character: pos(text, 'ten').character + 3 });
    assert.match(timeout.message, /^tasks\.test\.timeout: expected number, received string$/);
    const prio = v.findings.find((f) => f.path.join('.') === 'tasks.lint.priority')!;
    assert.deepEqual(prio.range.start, pos(text, '7\n'));
  });

  it('a missing required key: the key of the object that lacks it', () => {
    const text = GOOD.replace('    command: npm test\n', '');
    const f = validateMatrixConfig(text, FILE).findings.find((x) => x.code === 'schema')!;
    assert.equal(f.message, 'tasks.test.command is required');
    assert.deepEqual(f.range.start, pos(text, 'test:'));
  });

  it('a bad priority name and a bad task id', () => {
    const text = GOOD.replace('  priority_2:', '  second:').replace('[priority_1]', '[priority_1]').replace('  lint:\n', '  lint.x:\n').replace('tasks: [lint]', 'tasks: [lint.x]');
    const v = validateMatrixConfig(text, FILE);
    const bad = v.findings.filter((f) => f.code === 'bad-id');
    assert.deepEqual(bad.map((f) => f.range.start), [pos(text, 'lint.x:'), pos(text, 'second:')]);
  });

  it('unknown keys and a priority mismatch are warnings: the config still loads', () => {
    const text = GOOD.replace('    timeout: 5\n', '    timout: 5\n').replace('    priority: 2\n', '    priority: 1\n');
    const v = validateMatrixConfig(text, FILE);
    assert.ok(v.config, JSON.stringify(v.findings));
    const unknown = only(v.findings, 'unknown-key');
    assert.equal(unknown.severity, 'warning');
    assert.deepEqual(unknown.range.start, pos(text, 'timout'));
    const mismatch = only(v.findings, 'priority-mismatch');
    assert.deepEqual(mismatch.range.start, { ...pos(text, 'priority: 1', 2), character: pos(text, 'priority: 1', 2).character + 'priority: '.length });
    assert.match(formatFinding(unknown), /:\d+:\d+: warning: unknown key "timout"/);
  });

  it('auto_scale min above max, an empty file, a list at the root', () => {
    const text = GOOD + 'scaling:\n  auto_scale:\n    enabled: true\n    min_agents: 9\n    max_agents: 3\n';
    assert.deepEqual(only(validateMatrixConfig(text, FILE).findings, 'scaling').range.start, pos(text, '9\n'));
    assert.equal(validateMatrixConfig('', FILE).findings[0]!.code, 'schema');
    assert.equal(validateMatrixConfig('- a\n- b\n', FILE).config, undefined);
  });

  it('accepts the original format in full (every documented section)', () => {
    const text = `${GOOD}scaling:\n  default_agents: 10\n  max_parallel_per_priority: 50\n  max_total_agents: 1000\n  auto_scale:\n    enabled: true\n    min_agents: 5\n    max_agents: 100\n    scale_trigger: queue_depth\noptimization:\n  caching:\n    enabled: true\n    strategy: aggressive\n    cache_key: "\${{ runner.os }}-node-\${{ hashFiles('**/package-lock.json') }}"\n    restore_keys: ["\${{ runner.os }}-node-"]\nfailure_handling:\n  retry:\n    enabled: true\n    max_attempts: 3\n    backoff: exponential\n  fail_fast: false\n  continue_on_error: true\n  rollback:\n    enabled: false\nrules: [one, two]\ndocumentation: {readme: x}\n`;
    const v = validateMatrixConfig(text, FILE);
    assert.deepEqual(v.findings, []);
    assert.equal(v.config!.failure_handling!.retry!.max_attempts, 3);
  });
});
