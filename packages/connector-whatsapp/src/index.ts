/**
 * WhatsApp Business Cloud API connector for relaykit: sending within Meta's limits (shared
 * throughput and pair-rate limiters, error classification, idempotent sends, broadcasts),
 * verified webhooks with typed events, de-duplication and delivery tracking.
 * @packageDocumentation
 */
export { whatsappConnector, WhatsAppConfig, type WhatsAppState } from './connector.js';
export * from './errors/index.js';
export * from './messages/index.js';
export * from './phone/index.js';
export * from './schedule/index.js';
export * from './sender/index.js';
export * from './broadcast/index.js';
export * from './health/index.js';
export * from './webhooks/index.js';
export { whatsAppPrivacy, type TrackerState } from './privacy/index.js';
