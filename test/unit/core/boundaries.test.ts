// The core must run without an editor (CLI, CI jobs, tests): it may not import vscode, directly or by re-export.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { staleSchemas } from '../../../scripts/gen-schemas';

const repo = path.resolve(__dirname, '..', '..', '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The files (or folders) that `file` imports by a relative path (import/export from, a bare import, require(), import()), resolved. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s+|\brequire\(\s*|\bimport\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => path.resolve(path.dirname(file), s));
}

/** `file: specifier` for every file under `from` that imports something under `to`. */
function importsInto(from: string, to: string): string[] {
  const target = path.join(repo, to);
  return files(path.join(repo, from)).flatMap((f) => relativeImports(f)
    .filter((t) => t === target || t.startsWith(target + path.sep))
    .map((t) => `${path.relative(repo, f)}: ${path.relative(repo, t)}`));
}

const FS_MODULE = `['"](node:)?fs(/promises)?['"]`;
/** An import, re-export, require() or import() of node:fs that loads it (not `import type`). */
const FS_VALUE_IMPORT = new RegExp(
  `(^|\\n)\\s*(import(?!\\s+type\\b)[^;]*?\\bfrom\\s+${FS_MODULE}|import\\s+${FS_MODULE}|export(?!\\s+type\\b)[^;]*?\\bfrom\\s+${FS_MODULE})` +
    `|\\brequire\\(\\s*${FS_MODULE}\\s*\\)|\\bimport\\(\\s*${FS_MODULE}\\s*\\)`,
);
/** process.env, process['env'], or env taken out of process by destructuring. */
const READS_ENV = /\bprocess\s*(\.\s*env\b|\[\s*['"]env['"]\s*\])|\{[^}]*\benv\b[^}]*\}\s*=\s*process\b/;

/** The code of a file without its comments (which may well name process.env): block comments, and line comments
 *  that start a line or follow a space (so a URL's "//" in a string stays). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
}
const code = (file: string) => withoutComments(readFileSync(file, 'utf8'));

describe('architecture', () => {
  it('src/core never imports vscode', () => {
    const offenders = files(path.join(repo, 'src', 'core')).filter((f) => /(from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(repo, f)), []);
  });

  it('src/core imports no front end (cli, extension, mcp) and not the browser pages (webviews)', () => {
    const offenders = files(path.join(repo, 'src', 'core')).filter((f) => /from\s+['"](\.\.\/)+(cli|extension|mcp|webviews)\//.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(repo, f)), []);
  });

  // src/node holds the Node adapters of the core's ports (the local process runner); the front ends pass them in.
  it('src/core imports nothing from src/node (the adapters depend on the core, never the reverse)', () => {
    const offenders = files(path.join(repo, 'src', 'core')).filter((f) => /(from\s+|require\(\s*|import\(\s*)['"](\.\.\/)+node(\/|['"])/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(repo, f)), []);
  });

  // The core (the federation and its state backend included) reaches the disk and the environment only through the
  // FileSystem and Environment ports (core/ports.ts) the composition roots pass in, so a test double or another state
  // backend can stand in: a type-only import of node:fs (its signatures) is fine, a value import is not.
  const coreFiles = () => files(path.join(repo, 'src', 'core')).map((f) => path.relative(repo, f).split(path.sep).join('/'));

  it('src/core makes no value import of node:fs (import type is fine)', () => {
    const offenders = coreFiles().filter((f) => FS_VALUE_IMPORT.test(code(path.join(repo, f))));
    assert.deepEqual(offenders, []);
  });

  it('src/core never reads process.env (the front ends pass the environment in)', () => {
    const offenders = coreFiles().filter((f) => READS_ENV.test(code(path.join(repo, f))));
    assert.deepEqual(offenders, []);
  });

  // The front ends take the disk and the environment from their ports too: only the composition roots name Node's
  // (nodeFileSystem, process.env), so a test that hands a CLI or the editor other ports gets them everywhere.
  const COMPOSITION_ROOTS = new Set(['src/cli/services.ts', 'src/extension/extension.ts']);
  const frontEndFiles = () => ['cli', 'mcp', 'extension'].flatMap((d) => files(path.join(repo, 'src', d)))
    .map((f) => path.relative(repo, f).split(path.sep).join('/'))
    .filter((f) => !COMPOSITION_ROOTS.has(f));

  it('src/cli, src/mcp and src/extension reach the disk and the environment through their ports (the composition roots aside)', () => {
    const offenders = frontEndFiles().filter((f) => {
      const text = code(path.join(repo, f));
      return FS_VALUE_IMPORT.test(text) || READS_ENV.test(text) || /\b(nodeFileSystem|nodeGit|nodeHostProcesses)\b/.test(text) || /node:child_process/.test(text);
    });
    assert.deepEqual(offenders, []);
  });

  it('those checks reject what they are meant to and let type imports and the adapter through', () => {
    for (const bad of [
      "import { promises as fs } from 'node:fs';", "import * as fs from 'fs';", "import { readFile } from 'node:fs/promises';",
      "import { type Stats, statSync } from 'node:fs';", "import {\n  existsSync,\n} from 'node:fs';", "import 'node:fs';",
      "const fs = require('node:fs');", "export { existsSync } from 'node:fs';", "export * from 'fs/promises';",
      "const fs = await import('node:fs');",
    ]) assert.ok(FS_VALUE_IMPORT.test(bad), bad);
    for (const ok of ["import type * as NodeFs from 'node:fs';", "import type { Stats } from 'node:fs';", "import { nodeFileSystem } from '../node/fs';"]) {
      assert.ok(!FS_VALUE_IMPORT.test(ok), ok);
    }
    for (const bad of ["process.env['HOME']", 'process.env.HOME', "process['env']", 'const { env } = process;']) assert.ok(READS_ENV.test(bad), bad);
    for (const ok of ["env['HOME']", 'opts.env', 'process.pid']) assert.ok(!READS_ENV.test(ok), ok);
    // Comments may name it; code after a URL in a string is still code.
    assert.ok(!READS_ENV.test(withoutComments('// the front end passes process.env\n/** or process.env */\nconst a = 1; // process.env')));
    assert.ok(READS_ENV.test(withoutComments("const u = 'https://x.test/'; const h = process.env['HOME'];")));
  });

  it('src/webviews (browser pages) imports only its own files and the report contract in src/core/reports', () => {
    const bad: string[] = [];
    for (const f of files(path.join(repo, 'src', 'webviews'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/from\s+['"]([^'"]+)['"]/g)) {
        const target = path.resolve(path.dirname(f), m[1]!);
        const ok = m[1]!.startsWith('.') && (target.startsWith(path.join(repo, 'src', 'webviews')) || /src\/core\/reports\/(protocol|format|themes)$/.test(target));
        if (!ok) bad.push(`${path.relative(repo, f)}: ${m[1]}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('src/core, src/cli and src/mcp never import from src/extension', () => {
    const offenders = [...files(path.join(repo, 'src', 'core')), ...files(path.join(repo, 'src', 'cli')), ...files(path.join(repo, 'src', 'mcp'))].filter((f) => /from\s+['"][./]*\/extension\//.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(repo, f)), []);
  });

  // Adapters (the dockerode client) live in src/node and implement the core's ports; the core reaches them only
  // through a port and a lazy loader (core/docker/loader.ts requires dist/docker.js by a computed path).
  it('src/core never imports from src/node (adapters depend on the core, not the reverse)', () => {
    assert.deepEqual(importsInto('src/core', 'src/node'), []);
  });

  // The MCP server is its own bundle (dist/mcp.js), loaded by `federation mcp` alone: the CLI names it only in types.
  it('src/cli imports src/mcp only as types (the SDK never loads for other commands)', () => {
    const bad = files(path.join(repo, 'src', 'cli')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/^import\s+(type\s+)?[^;]*from\s+['"]((?:\.\.\/)+mcp\/[^'"]*)['"]/gm)]
      .filter((m) => !m[1]).map((m) => `${path.relative(repo, f)}: ${m[2]}`));
    assert.deepEqual(bad, []);
  });

  // The OpenTelemetry SDK is for `matrix report --format otlp` alone: only its adapter imports it, and the adapter is
  // reached by import() (esbuild makes that a lazy initializer), so no other command and not the extension evaluate it.
  it('only src/node/otlp.ts imports @opentelemetry, and src reaches it only by dynamic import()', () => {
    const all = files(path.join(repo, 'src'));
    const sdk = all.filter((f) => /['"]@opentelemetry\//.test(code(f))).map((f) => path.relative(repo, f).split(path.sep).join('/'));
    assert.deepEqual(sdk, ['src/node/otlp.ts']);
    const adapter = path.join(repo, 'src', 'node', 'otlp');
    const staticImports = all.flatMap((f) => [...code(f).matchAll(/(?:\bfrom\s+|\bimport\s+|\brequire\(\s*)['"]([^'"]+)['"]/g)]
      .filter((m) => m[1]!.startsWith('.') && path.resolve(path.dirname(f), m[1]!) === adapter && !/^import\s+type\b/.test(code(f).slice(code(f).lastIndexOf('\n', m.index) + 1)))
      .map(() => path.relative(repo, f)));
    assert.deepEqual(staticImports, []);
    assert.ok(all.some((f) => /\bimport\(\s*['"][./]+node\/otlp['"]\s*\)/.test(code(f))), 'the CLI imports the adapter on demand');
  });

  // Test doubles (the in-memory Docker engine, fake GitHub) live under test/; shipped code never reaches them.
  it('src never imports from test/', () => {
    assert.deepEqual(importsInto('src', 'test'), []);
  });

  // Each bundle has its own copy of every error class (dist/docker.js raises what dist/cli.js catches), so a class
  // check of an error type fails across a bundle boundary; isFederationError() checks a brand that does not.
  it('no instanceof on a FederationError type anywhere in src (the brand check works across bundles)', () => {
    const all = files(path.join(repo, 'src'));
    const errorClasses = new Set(['FederationError']);
    for (let grew = true; grew;) {
      grew = false;
      for (const f of all) {
        for (const m of readFileSync(f, 'utf8').matchAll(/class\s+(\w+)\s+extends\s+(\w+)/g)) {
          if (errorClasses.has(m[2]!) && !errorClasses.has(m[1]!)) { errorClasses.add(m[1]!); grew = true; }
        }
      }
    }
    assert.ok(errorClasses.has('StateFileError') && errorClasses.has('GithubApiError'), [...errorClasses].join());
    const check = new RegExp(`instanceof\\s+(${[...errorClasses].join('|')})\\b`);
    const offenders = all.filter((f) => check.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(repo, f)), []);
  });

  it('the committed JSON schemas match the zod definitions', () => {
    assert.deepEqual(staleSchemas(path.join(repo, 'schemas')), [], 'run `npm run gen:schemas`');
  });

  it('package.json contributes a schema file for every jsonValidation entry', () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
    for (const v of [...pkg.contributes.jsonValidation, ...pkg.contributes.yamlValidation]) {
      assert.ok(statSync(path.join(repo, v.url)).isFile(), v.url);
    }
  });
});
