/**
 * relaykit's core: transport, resilience, rate limits, idempotency, checkpoints, incremental
 * sync, the connector contract, errors, logging with redaction, and encryption at rest.
 * @packageDocumentation
 */
export * from './errors/index.js';
export * from './abort/index.js';
export * from './logging/index.js';
export * from './http/index.js';
export * from './tracing/index.js';
export * from './resilience/index.js';
export * from './ratelimit/index.js';
export * from './idempotency/index.js';
export * from './checkpoint/index.js';
export * from './sync/index.js';
export * from './connector/index.js';
export * from './crypto/index.js';
export * from './redis/index.js';
export * from './lock/index.js';
export * from './sql/index.js';
