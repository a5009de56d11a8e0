// Mocha entry that runs INSIDE the editor's extension host (extensionTestsPath points at its build,
// out/test/vscode/index.js). It loads every out/test/vscode/**/*.test.js, runs them with the BDD interface and
// writes a JSON summary to the file named by FEDERATION_TEST_RESULTS (set on the editor process by
// test/harness/run.mjs or test/runTest.ts; the extension host inherits it). FEDERATION_TEST_PASS picks the files
// (inPass below): untrusted, installed, vscode-1.103, or the trusted pass's by default. A test file that throws
// while loading is reported as a failed test and does not stop the others.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export const RESULTS_ENV = 'FEDERATION_TEST_RESULTS';
export const PASS_ENV = 'FEDERATION_TEST_PASS';

/** The pass in the newer editor (code-server 4.103.2, VS Code 1.103): where the MCP server-definition API is stable. */
export const NEWER_EDITOR_PASS = 'vscode-1.103';

/**
 * Which suites a pass runs: *untrusted* suites expect an untrusted workspace (they would fail in a trusted one,
 * and the others in theirs); *installed* suites run against the packaged .vsix installed into the editor;
 * *nats* suites run on a workspace whose federation is on a real nats-server (FEDERATION_TEST_NATS_URL);
 * *vscode-1.103* suites need the newer editor's API and run in its pass, which runs the trusted suites too (the same
 * extension in the newer editor: about 30 s); every other suite runs in the trusted pass against the extension
 * under development.
 */
function inPass(file: string, pass: string | undefined): boolean {
  const base = path.basename(file);
  const kind = base.includes('untrusted') ? 'untrusted'
    : base.includes('installed') ? 'installed'
      : base.includes('nats') ? 'nats'
      : base.includes(NEWER_EDITOR_PASS) ? NEWER_EDITOR_PASS
        : 'trusted';
  if (pass === NEWER_EDITOR_PASS) return kind === NEWER_EDITOR_PASS || kind === 'trusted';
  return kind === (pass === 'untrusted' || pass === 'installed' || pass === 'nats' ? pass : 'trusted');
}

export interface TestResult {
  title: string;
  fullTitle: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  file?: string;
  error?: { message: string; stack?: string; expected?: string; actual?: string };
}

export interface TestResults {
  passed: number;
  failed: number;
  pending: number;
  durationMs: number;
  startedAt: string;
  vscodeVersion?: string;
  tests: TestResult[];
}

function findTestFiles(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) files.push(...findTestFiles(p));
    else if (e.isFile() && e.name.endsWith('.test.js')) files.push(p);
  }
  return files;
}

function describeError(err: unknown): NonNullable<TestResult['error']> {
  if (err instanceof Error) {
    const e = err as Error & { expected?: unknown; actual?: unknown; showDiff?: boolean };
    const out: NonNullable<TestResult['error']> = { message: e.message, stack: e.stack };
    if (e.showDiff !== false && ('expected' in e || 'actual' in e)) {
      out.expected = safeString(e.expected);
      out.actual = safeString(e.actual);
    }
    return out;
  }
  return { message: safeString(err) };
}

function safeString(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}

function vscodeVersion(): string | undefined {
  try {
    return (require('vscode') as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Writes atomically (temp file + rename) so that a watcher never reads half a file. */
function writeResults(file: string | undefined, results: TestResults): void {
  const json = JSON.stringify(results, null, 2) + '\n';
  if (!file) {
    console.log(`[federation-tests] ${RESULTS_ENV} is not set; results:\n${json}`);
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, json);
  fs.renameSync(tmp, file);
}

export async function run(): Promise<void> {
  const resultsFile = process.env[RESULTS_ENV];
  const started = Date.now();
  const results: TestResults = {
    passed: 0, failed: 0, pending: 0, durationMs: 0, startedAt: new Date(started).toISOString(),
    vscodeVersion: vscodeVersion(), tests: [],
  };
  const grep = process.env.FEDERATION_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'spec', ...(grep ? { grep } : {}) });

  try {
    const files = findTestFiles(__dirname).filter((f) => inPass(f, process.env[PASS_ENV]));
    // Load each file on its own (what mocha.loadFiles does) so that one broken file is reported, not fatal.
    for (const file of files) {
      try {
        mocha.suite.emit('pre-require', globalThis, file, mocha);
        mocha.suite.emit('require', require(file), file, mocha);
        mocha.suite.emit('post-require', globalThis, file, mocha);
      } catch (err) {
        results.failed++;
        results.tests.push({
          title: `load ${path.relative(__dirname, file)}`,
          fullTitle: `loading test file ${path.relative(__dirname, file)}`,
          state: 'failed', durationMs: 0, file, error: describeError(err),
        });
      }
    }
    if (files.length === 0) {
      results.failed++;
      results.tests.push({
        title: 'find test files', fullTitle: `no *.test.js files under ${__dirname}`, state: 'failed', durationMs: 0,
        error: { message: `no *.test.js files under ${__dirname}` },
      });
    }

    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', (test) => {
        results.passed++;
        results.tests.push({ title: test.title, fullTitle: test.fullTitle(), state: 'passed',
          durationMs: test.duration ?? 0, file: test.file });
      });
      runner.on('fail', (test, err) => {
        // Also emitted for failing hooks ("before all" hook ...), whose title says so.
        results.failed++;
        results.tests.push({ title: test.title, fullTitle: test.fullTitle(), state: 'failed',
          durationMs: test.duration ?? 0, file: test.file, error: describeError(err) });
      });
      runner.on('pending', (test) => {
        results.pending++;
        results.tests.push({ title: test.title, fullTitle: test.fullTitle(), state: 'pending', durationMs: 0,
          file: test.file });
      });
    });
  } catch (err) {
    results.failed++;
    results.tests.push({ title: 'run', fullTitle: 'running the suite', state: 'failed', durationMs: 0,
      error: describeError(err) });
  }

  results.durationMs = Date.now() - started;
  writeResults(resultsFile, results);
  // @vscode/test-electron decides the exit code from this promise.
  if (results.failed > 0) throw new Error(`${results.failed} test(s) failed`);
}
