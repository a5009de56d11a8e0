// Runs the in-editor suite (out/test/vscode) in a desktop VS Code downloaded by @vscode/test-electron.
// For machines with network access (the download comes from update.code.visualstudio.com); offline, use
// `npm run test:vscode`, which runs the same suite in code-server.
//
//   node scripts/build.mjs && node out/test/runTest.js          (on Linux without a display: xvfb-run -a node …)
//
// Environment: VSCODE_TEST_VERSION (default 1.100.3, the VS Code inside code-server 4.100.3; "stable" works too),
// FEDERATION_TEST_GREP (only matching tests).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

const RESULTS_ENV = 'FEDERATION_TEST_RESULTS';

interface Results {
  passed: number;
  failed: number;
  pending: number;
  tests: { fullTitle: string; state: string; error?: { message: string } }[];
}

async function main(): Promise<number> {
  // out/test/runTest.js -> repository root
  const root = path.resolve(__dirname, '..', '..');
  const extensionTestsPath = path.join(root, 'out', 'test', 'vscode', 'index.js');
  if (!fs.existsSync(extensionTestsPath)) {
    console.error(`${extensionTestsPath} is missing: run \`node scripts/build.mjs\` first`);
    return 1;
  }
  const resultsDir = path.join(root, 'test-results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const resultsFile = path.join(resultsDir, 'vscode-electron-results.json');
  fs.rmSync(resultsFile, { force: true });

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'federation-electron-'));
  let exitCode = 1;
  try {
    // The tests mutate their workspace: give them a copy of the fixture, never demo/ itself.
    const workspace = path.join(scratch, 'workspace');
    fs.cpSync(path.join(root, 'demo'), workspace, { recursive: true });
    const userDataDir = path.join(scratch, 'user-data');
    fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'git.enabled': false,
    }, null, 2));
    exitCode = await runTests({
      version: process.env.VSCODE_TEST_VERSION || '1.100.3',
      extensionDevelopmentPath: root,
      extensionTestsPath,
      extensionTestsEnv: {
        [RESULTS_ENV]: resultsFile,
        ...(process.env.FEDERATION_TEST_GREP ? { FEDERATION_TEST_GREP: process.env.FEDERATION_TEST_GREP } : {}),
      },
      launchArgs: [
        workspace,
        '--disable-extensions', // other extensions; the one under development still loads
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--disable-telemetry',
        '--user-data-dir', userDataDir,
        '--extensions-dir', path.join(scratch, 'extensions'),
      ],
    });
  } catch (err) {
    console.error('VS Code test run failed:', err instanceof Error ? err.message : err);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  if (fs.existsSync(resultsFile)) {
    const r = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as Results;
    for (const t of r.tests.filter((x) => x.state === 'failed')) console.log(`  ✘ ${t.fullTitle}: ${t.error?.message ?? ''}`);
    console.log(`\n  ${r.passed} passing\n  ${r.pending} pending\n  ${r.failed} failing\n`);
    if (r.failed > 0) exitCode = exitCode || 1;
  } else {
    console.error(`no results were written to ${resultsFile}`);
    exitCode = exitCode || 1;
  }
  return exitCode;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
