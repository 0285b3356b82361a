export * from './ingest.js';
export * from './query.js';
