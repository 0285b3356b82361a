export * from './ingest.js';
export * from './query.js';
export type * from './types.js';
