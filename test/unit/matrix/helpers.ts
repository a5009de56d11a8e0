import * as assert from 'node:assert/strict';
import { MatrixConfig } from '../../../src/core/matrix/schema';
import { validateMatrixConfig } from '../../../src/core/matrix/validate';

/** A validated config from YAML text; fails the test on any error finding. */
export function config(text: string): MatrixConfig {
  const v = validateMatrixConfig(text, 'test.yml');
  assert.ok(v.config, JSON.stringify(v.findings, null, 1));
  return v.config;
}

/** YAML for a config with tasks `spec` (id → command) spread over priorities `waves` (list of id lists). */
export function simpleConfig(waves: string[][], opts: { command?: (id: string) => string; extraTask?: string; extraTop?: string; extraPriority?: (i: number) => string } = {}): string {
  const ids = waves.flat();
  const tasks = ids.map((id) => `  ${id}:\n    module: .\n    command: ${JSON.stringify(opts.command ? opts.command(id) : 'true')}\n    timeout: 1\n${opts.extraTask ?? ''}`).join('');
  const prios = waves.map((w, i) => `  priority_${i + 1}:\n    tasks: [${w.join(', ')}]\n${opts.extraPriority?.(i) ?? ''}`).join('');
  return `tasks:\n${tasks}priorities:\n${prios}${opts.extraTop ?? ''}`;
}
