// The security model of bootstrap packages as plain data: confidentiality levels, operator levels, consumer types
// and what each may be given. docs/packages.md documents the same tables; keep them in step.

export const LEVELS = ['C0', 'C1', 'C2', 'C3'] as const;
export type Level = (typeof LEVELS)[number];

export const OPERATOR_LEVELS = ['L0', 'L1', 'L2', 'L3'] as const;
export type OperatorLevel = (typeof OPERATOR_LEVELS)[number];

export const CONSUMERS = ['local-session', 'parallel-terminal', 'remote-agent', 'maintenance-agent', 'external-llm'] as const;
export type Consumer = (typeof CONSUMERS)[number];

export const LEVEL_NAMES: Record<Level, string> = {
  C0: 'public',
  C1: 'internal',
  C2: 'private (principal only)',
  C3: 'confidential (credentials: never inlined, only mounted as secrets)',
};

export function isLevel(v: unknown): v is Level {
  return typeof v === 'string' && (LEVELS as readonly string[]).includes(v);
}

export function isOperatorLevel(v: unknown): v is OperatorLevel {
  return typeof v === 'string' && (OPERATOR_LEVELS as readonly string[]).includes(v);
}

export function isConsumer(v: unknown): v is Consumer {
  return typeof v === 'string' && (CONSUMERS as readonly string[]).includes(v);
}

/** "a remote-agent", "an external-llm": for messages. */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

export function rank(level: Level): number {
  return LEVELS.indexOf(level);
}

export function maxLevel(a: Level, b: Level): Level {
  return rank(a) >= rank(b) ? a : b;
}

export function minLevel(a: Level, b: Level): Level {
  return rank(a) <= rank(b) ? a : b;
}

/**
 * What a person at an operator level may put into a package. Content is never inlined above C2: C3 exists only as
 * references (secret mounts, paths), and only an L3 operator may hand those out.
 */
export interface OperatorCeiling {
  /** The highest level whose content may be copied into a package. */
  inline: Level;
  /** Whether C3 material may be passed by reference (a secret mounted by name, a path named without content). */
  byReference: boolean;
}

export const OPERATOR_CEILINGS: Record<OperatorLevel, OperatorCeiling> = {
  L0: { inline: 'C0', byReference: false },
  L1: { inline: 'C1', byReference: false },
  L2: { inline: 'C2', byReference: false },
  L3: { inline: 'C2', byReference: true },
};

export interface ConsumerPolicy {
  /** The highest level this consumer may see inlined; 'operator' = whatever the operator may include. */
  clearance: Level | 'operator';
  /** Which C3 references it may get (only when the operator may pass references at all). */
  references: 'none' | 'own-secrets' | 'operator';
  /** The design table: what it gets, what it contributes, how it is constrained. */
  gets: string;
  contributes: string;
  constraints: string;
  /** Whether a persona or a brief is required, allowed or not used. */
  persona: 'required' | 'optional' | 'unused';
  brief: 'required' | 'optional' | 'unused';
}

export const CONSUMER_POLICIES: Record<Consumer, ConsumerPolicy> = {
  'local-session': {
    clearance: 'operator',
    references: 'operator',
    gets: 'the full instructions file (CLAUDE.md, AGENTS.md, …)',
    contributes: 'everything',
    constraints: 'full access up to the operator level',
    persona: 'optional',
    brief: 'unused',
  },
  'parallel-terminal': {
    clearance: 'C1',
    references: 'none',
    gets: "the persona's scope: its skills, its tasks, its handoffs",
    contributes: 'task artifacts',
    constraints: "limited to the persona's skills",
    persona: 'required',
    brief: 'unused',
  },
  'remote-agent': {
    clearance: 'C1',
    references: 'own-secrets',
    gets: 'its MISSION_BRIEF and the files it lists',
    contributes: 'deliverables and reports',
    constraints: 'isolated, no cross-access; its own secrets only as mounted files',
    persona: 'unused',
    brief: 'required',
  },
  'maintenance-agent': {
    clearance: 'C1',
    references: 'none',
    gets: 'task rules',
    contributes: 'status updates',
    constraints: 'read-mostly, push-only',
    persona: 'optional',
    brief: 'unused',
  },
  'external-llm': {
    clearance: 'C0',
    references: 'none',
    gets: 'a prompt template with a structured-output JSON schema',
    contributes: 'structured output',
    constraints: 'sandboxed, no file access',
    persona: 'optional',
    brief: 'optional',
  },
};

export interface Clearance {
  consumer: Consumer;
  operatorLevel: OperatorLevel;
  /** The consumer type's own clearance ('operator' for a local session). */
  consumerClearance: Level | 'operator';
  operatorCeiling: Level;
  /** What the package may hold: the lower of the two. */
  effective: Level;
  /** Whether C3 references (secret mounts) may be passed at all. */
  references: boolean;
}

export function clearanceFor(consumer: Consumer, operatorLevel: OperatorLevel): Clearance {
  const policy = CONSUMER_POLICIES[consumer];
  const ceiling = OPERATOR_CEILINGS[operatorLevel];
  const own = policy.clearance === 'operator' ? ceiling.inline : policy.clearance;
  return {
    consumer,
    operatorLevel,
    consumerClearance: policy.clearance,
    operatorCeiling: ceiling.inline,
    effective: minLevel(own, ceiling.inline),
    references: ceiling.byReference && policy.references !== 'none',
  };
}
