// The Node adapter of the matrix's process-runner port: what the front ends (the composition roots) give the core.
export { LocalProcessRunner, newLocalProcessRunner } from './localRunner';
export type { Launcher } from './localRunner';
export { groupAlive, stopGroup } from './supervise';
