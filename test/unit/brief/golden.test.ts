// Golden files: every brief in test/fixtures/briefs has NAME.findings.json (code, severity, range) next to it,
// and, where "fix all" changes it, NAME.fixed.md with the expected result.
import * as assert from 'node:assert/strict';
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Finding, fixAll, validateBrief } from '../../../src/core/brief';
import { FIXTURES, REGISTRY, UPDATE, briefFixtures, read } from './helpers';

type Golden = { code: string; severity: string; range: [number, number, number, number] };

function golden(findings: Finding[]): Golden[] {
  return findings.map((f) => ({ code: f.code, severity: f.severity, range: [f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character] }));
}

/** One finding per line, so a diff shows exactly which finding changed. */
function serialize(items: Golden[]): string {
  return items.length ? `[\n${items.map((g) => '  ' + JSON.stringify(g)).join(',\n')}\n]\n` : '[]\n';
}

function base(file: string): string {
  return file.replace(/\.md$/, '');
}

describe('brief golden files', () => {
  for (const file of briefFixtures()) {
    const text = read(path.join(FIXTURES, file));

    it(`${file}: findings`, () => {
      const expectedFile = path.join(FIXTURES, `${base(file)}.findings.json`);
      const actual = golden(validateBrief(text, { registry: REGISTRY }));
      if (UPDATE) writeFileSync(expectedFile, serialize(actual));
      assert.deepEqual(actual, JSON.parse(read(expectedFile)));
    });

    it(`${file}: every finding has a message, a doc link and a range inside the text`, () => {
      const lines = text.split('\n');
      for (const f of validateBrief(text, { registry: REGISTRY })) {
        assert.ok(f.message.length > 20, f.code);
        assert.equal(f.docUrl, `https://github.com/agent-federation/agent-federation/blob/main/docs/brief-rules.md#${f.code.toLowerCase()}`);
        assert.ok(f.range.end.line < lines.length && f.range.start.character <= lines[f.range.start.line]!.length, `${f.code} range`);
      }
    });

    it(`${file}: fix all`, () => {
      const fixedFile = path.join(FIXTURES, `${base(file)}.fixed.md`);
      const result = fixAll(text, { registry: REGISTRY });
      if (UPDATE) {
        if (result.text !== text) writeFileSync(fixedFile, result.text);
        else if (existsSync(fixedFile)) unlinkSync(fixedFile);
      }
      if (!existsSync(fixedFile)) {
        assert.equal(result.text, text, 'fix all changed a file that has no .fixed.md');
        assert.deepEqual(result.edits, []);
        return;
      }
      assert.equal(result.text, read(fixedFile));
      // Running it again changes nothing: fix all reaches a fixed point.
      assert.equal(fixAll(result.text, { registry: REGISTRY }).text, result.text);
    });
  }
});
