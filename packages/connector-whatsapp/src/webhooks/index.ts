export { verifyWebhookSignature, signWebhookBody } from './signature.js';
export { parseWebhookPayload, webhookEventKey, WebhookPayloadError, type WhatsAppEvent, type InboundMessage, type StatusUpdate, type DeliveryStatus, type EventSource, type WebhookError } from './events.js';
export { createWebhookHandler, MAX_WEBHOOK_BYTES, type WebhookHandler, type WebhookHandlerOptions, type WebhookHandlerResult } from './handler.js';
export { nodeWebhookListener } from './node.js';
export { createDedupeStore, createMemoryDedupeStore, createRedisDedupeStore, dedupeStoreFromIdempotency, DEFAULT_DEDUPE_TTL_MS, type DedupeStore } from './dedupe.js';
export { createStatusTracker, createMemoryStatusTracker, createRedisStatusTracker, nextStatus, type StatusTracker, type TrackedStatus, type TrackResult } from './tracker.js';
export * as webhookSchemas from './schema.js';
