// --isolation docker without an engine: the config keys it reads, the missing-image finding at the task's key, and
// the CLI refusing before anything runs. The containers themselves are tested against the real engine
// (test/docker/matrix.test.ts).
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { imageFindings, unitImage, unitNetwork } from '../../../src/core/matrix/dockerIsolation';
import { planMatrix } from '../../../src/core/matrix/plan';
import { formatFinding, validateMatrixConfig } from '../../../src/core/matrix/validate';
import { useTempDir } from '../../helpers/tmp';
import { matrixCli } from './helpers';

const FILE = '.github/multi-agent-config.yml';
const TEXT = `docker:
  image: node:20
  network: none
tasks:
  lint: { module: a, command: npm run lint, image: node:22-alpine }
  test: { module: a, command: npm test, network: bridge }
priorities:
  priority_1: { tasks: [lint, test] }
`;

describe('matrix --isolation docker (config and CLI)', () => {
  const tmp = useTempDir('fed-miso-');

  it('reads the task image and network, with docker.* as defaults', () => {
    const { config, findings } = validateMatrixConfig(TEXT, FILE);
    assert.deepEqual(findings, []);
    const units = planMatrix(config!).waves[0]!.units;
    assert.deepEqual(units.map((u) => [unitImage(config!, u), unitNetwork(config!, u)]), [['node:22-alpine', 'none'], ['node:20', 'bridge']]);
    assert.deepEqual(imageFindings(TEXT, FILE, config!, planMatrix(config!)), []);
  });

  it('refuses the host network and unknown docker keys are warnings', () => {
    const bad = validateMatrixConfig(TEXT.replace('network: bridge', 'network: host'), FILE).findings;
    assert.equal(bad.length, 1);
    assert.match(bad[0]!.message, /never host/);
    const typo = validateMatrixConfig(TEXT.replace('  network: none\n', '  netwrk: none\n'), FILE);
    assert.ok(typo.config);
    assert.match(typo.findings[0]!.message, /unknown key "netwrk" in docker/);
  });

  it('a task without an image is an error at its key when there is no docker.image', () => {
    const text = TEXT.replace('docker:\n  image: node:20\n  network: none\n', '');
    const { config } = validateMatrixConfig(text, FILE);
    const findings = imageFindings(text, FILE, config!, planMatrix(config!));
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.code, 'missing-image');
    assert.match(formatFinding(findings[0]!), /^\.github\/multi-agent-config\.yml:3:3: task "test" names no image/);
    assert.deepEqual(imageFindings(text, FILE, config!, planMatrix(config!, { only: ['lint'] })), [], 'only the planned tasks count');
  });

  const run = (...argv: string[]) => matrixCli(tmp.path, ...argv);

  it('CLI: --isolation takes process (local) or docker; a missing image stops run and validate before anything runs', async () => {
    mkdirSync(path.join(tmp.path, '.github'), { recursive: true });
    mkdirSync(path.join(tmp.path, 'a'), { recursive: true });
    writeFileSync(path.join(tmp.path, FILE), 'tasks:\n  t: { module: a, command: "echo ran > ran.txt" }\npriorities:\n  priority_1: { tasks: [t] }\n');
    const bogus = await run('run', '--isolation', 'vm');
    assert.equal(bogus.code, 2);
    assert.match(bogus.err, /--isolation is process or docker/);
    const refused = await run('run', '--isolation', 'docker', '--no-setup', '--allow-workspace-commands');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /multi-agent-config\.yml:2:3: task "t" names no image/);
    const json = await run('--json', 'validate', '--isolation', 'docker');
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.out).findings.map((f: { code: string }) => f.code), ['missing-image']);
    assert.equal((await run('validate')).code, 0, 'process isolation needs no image');
  });
});
