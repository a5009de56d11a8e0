import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { BriefRegistry } from '../../../src/core/brief';

/** The repository root (tests run from out/test/unit/brief, fixtures stay in test/fixtures). */
export const ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();

export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'briefs');

export const REGISTRY: BriefRegistry = JSON.parse(readFileSync(path.join(FIXTURES, 'registry.json'), 'utf8')) as BriefRegistry;

/** Set UPDATE_GOLDEN=1 to rewrite expected files from the current output (then review the diff). */
export const UPDATE = process.env.UPDATE_GOLDEN === '1';

export function read(file: string): string {
  return readFileSync(file, 'utf8');
}

/** The briefs at the top of the fixtures folder. */
export function briefFixtures(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.md') && !f.endsWith('.fixed.md'))
    .sort();
}
