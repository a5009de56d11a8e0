// The `confidentiality:` section of .federation/config.yaml: a default level and path rules. config.ts's schema is
// loose, so this section survives its parse and is validated here. zod/mini for the load-time reason given in
// src/core/federation/state/schemas.ts.
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { parseConfig } from '../config';
import { StateFileError } from '../errors';
import { LEVELS } from './model';

z.config(en());

export const ConfidentialityRuleSchema = z.strictObject({
  glob: z.string().check(z.minLength(1)),
  level: z.enum(LEVELS),
});
export type ConfidentialityRule = z.infer<typeof ConfidentialityRuleSchema>;

export const ConfidentialityConfigSchema = z.strictObject({
  default: z._default(z.enum(LEVELS), 'C1'),
  rules: z._default(z.array(ConfidentialityRuleSchema), []),
});
export type ConfidentialityConfig = z.infer<typeof ConfidentialityConfigSchema>;

export const DEFAULT_CONFIDENTIALITY: ConfidentialityConfig = { default: 'C1', rules: [] };

/** Artifact routing as the maintenance and persona packages describe it (from config.ts's own schema). */
export interface PackageConfig {
  confidentiality: ConfidentialityConfig;
  artifacts: { kind: string; glob: string; folder: string }[];
  resourceTtlMinutes: number;
  offlineAfterSeconds: number;
}

/** Throws StateFileError for a config.yaml that is not valid, including its confidentiality section: fail closed. */
export function parsePackageConfig(text: string, file: string): PackageConfig {
  const config = parseConfig(text, file);
  const raw = (config as Record<string, unknown>)['confidentiality'];
  let confidentiality = DEFAULT_CONFIDENTIALITY;
  if (raw !== undefined && raw !== null) {
    const parsed = ConfidentialityConfigSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new StateFileError(file, ['confidentiality', ...issue.path.map(String)].join('.'), issue.message);
    }
    confidentiality = parsed.data;
  }
  return {
    confidentiality,
    artifacts: config.artifacts.rules,
    resourceTtlMinutes: config.locks.resourceTtlMinutes,
    offlineAfterSeconds: config.heartbeat.offlineAfterSeconds,
  };
}

export function defaultPackageConfig(): PackageConfig {
  return { confidentiality: DEFAULT_CONFIDENTIALITY, artifacts: [], resourceTtlMinutes: 30, offlineAfterSeconds: 120 };
}

/** A rule whose glob climbs out (`..`) or is absolute can never name a workspace file: it is ignored and reported. */
export function unsafeRuleReason(glob: string): string | undefined {
  const g = glob.replace(/\\/g, '/');
  if (g.startsWith('/') || /^[A-Za-z]:/.test(g) || g.startsWith('~')) return 'absolute-path';
  if (g.split('/').includes('..')) return 'traversal';
  return undefined;
}
