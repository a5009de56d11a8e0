// The NATS backend as its own bundle (dist/nats.js), loaded by loader.ts only when config.yaml names it, so the
// NATS client never loads for a federation on files.
export { openNatsBackend } from './backend';
export type { NatsBackendOptions } from './backend';
