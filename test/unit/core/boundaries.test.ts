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

describe('architecture', () => {
  it('src/core never imports vscode', () => {
    const offenders = files(path.join(repo, 'src', 'core')).filter((f) => /(from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(repo, f)), []);
  });

  it('src/core and src/cli never import from src/extension', () => {
    const offenders = [...files(path.join(repo, 'src', 'core')), ...files(path.join(repo, 'src', 'cli'))].filter((f) => /from\s+['"][./]*\/extension\//.test(readFileSync(f, 'utf8')));
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
