// `matrix run --isolation docker` on an engine that cannot see the repository (the second dockerd of
// scripts/remote-docker.sh): each attempt gets its module in a volume through the archive API, its build output
// comes back into the module, its usage is read through the API, and nothing stays on that engine.
import * as assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { MATRIX_LABEL } from '../../src/core/matrix/containerRunner';
import { prepareDockerIsolation } from '../../src/core/matrix/dockerIsolation';
import { planMatrix } from '../../src/core/matrix/plan';
import { runMatrix } from '../../src/core/matrix/runner';
import { validateMatrixConfig } from '../../src/core/matrix/validate';
import { nodeFileSystem } from '../../src/node/fs';
import { newLocalProcessRunner } from '../../src/node/process';
import { buildTestImage, RUN_ID, RUN_LABEL, runLabels } from './helpers';
import { useRemoteEngine } from './remoteEngine';

describe('Matrix runs in containers on an engine that cannot see the repository (second engine)', function () {
  this.timeout(120_000);
  const engine = useRemoteEngine();
  let image: string;
  before(async function () {
    this.timeout(180_000);
    image = await buildTestImage(engine.client, 'matrix-remote');
    engine.suite.image(image);
  });

  it('copies the module in, brings dist/ back, reads the usage, and leaves no container or volume there', async () => {
    const root = engine.each.tempDir('matrix-remote');
    chmodSync(root, 0o755);
    for (const d of ['a/src', 'a/.git', 'b', '.github', '.federation']) mkdirSync(path.join(root, d), { recursive: true });
    writeFileSync(path.join(root, 'a', 'src', 'input.txt'), 'module input\n');
    writeFileSync(path.join(root, 'a', '.git', 'HEAD'), 'hidden\n');
    symlinkSync('src/input.txt', path.join(root, 'a', 'link.txt'));
    mkdirSync(path.join(root, 'a', 'dist'));
    writeFileSync(path.join(root, 'a', 'dist', 'stale.js'), 'old build\n');
    writeFileSync(path.join(root, '.federation', 'secret.txt'), 'federation state\n');
    chownSync(path.join(root, 'b'), 1000, 1000);
    writeFileSync(path.join(root, '.github', 'multi-agent-config.yml'), `
docker: { image: ${image}, memory: 256m, pids: 64 }
tasks:
  build:
    module: a
    command: 'pwd; cat src/input.txt; cat link.txt; echo "git: [$(ls .git 2>&1 | head -1)]"; ls ../../ ; rm -rf dist; mkdir -p dist/js; echo "built $(id -u)" > dist/js/app.js; echo scratch > not-an-artifact.txt'
    produces_artifacts: true
  other:
    module: b
    command: 'echo "uid $(id -u)"; touch here'
priorities:
  priority_1: { tasks: [build, other] }
`);
    const text = readFileSync(path.join(root, '.github', 'multi-agent-config.yml'), 'utf8');
    const { config, findings } = validateMatrixConfig(text, 'multi-agent-config.yml');
    assert.ok(config, JSON.stringify(findings));
    const plan = planMatrix(config);
    const isolation = await prepareDockerIsolation({ fs: nodeFileSystem, client: engine.client, root, config, plan, labels: runLabels() });
    const out = await runMatrix({ root, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, isolation, setup: false, runId: `mr-${RUN_ID}`, env: process.env });
    const by = new Map(out.results.map((r) => [r.unit, r]));
    const log = (unit: string) => readFileSync(path.join(root, by.get(unit)!.log!), 'utf8');

    assert.equal(by.get('build')!.status, 'passed', log('build'));
    const b = log('build');
    assert.match(b, /^\/federation-copy\/workspace\/a$/m);
    assert.match(b, /module input\nmodule input\n/, 'files and links inside the module went in');
    assert.match(b, /git: \[ls: .*No such file/, "the module's .git stays here");
    assert.doesNotMatch(b, /^b$/m, 'other modules are not there');
    // The build output replaced the old one; what is not build output stayed there.
    assert.equal(readFileSync(path.join(root, 'a', 'dist', 'js', 'app.js'), 'utf8'), 'built 0\n');
    assert.equal(existsSync(path.join(root, 'a', 'dist', 'stale.js')), false);
    assert.equal(existsSync(path.join(root, 'a', 'not-an-artifact.txt')), false);
    // The usage came back through the API (the cgroup's counters, read by the wrapper), and the output's size.
    const r = by.get('build')!.resources!;
    assert.equal(r.source, 'cgroup', JSON.stringify(r));
    assert.ok((r.peakMemoryBytes ?? 0) > 0, JSON.stringify(r));
    assert.equal(r.producedBytes, 'built 0\n'.length);

    assert.equal(by.get('other')!.status, 'passed', log('other'));
    assert.match(log('other'), /uid 1000\n/);

    const labels = { [RUN_LABEL]: RUN_ID, [MATRIX_LABEL.run]: out.runId };
    assert.deepEqual(await engine.client.listContainers({ labels }), [], 'containers left');
    assert.deepEqual(await engine.client.listVolumes({ labels }), [], 'volumes left');
  });
});
