export { verifyWebhookSignature, signWebhookBody } from './signature.js';
export {
  parseWebhookPayload,
  webhookEventKey,
  WebhookPayloadError,
  isWebhookPayloadError,
  type WebhookPayloadIssue,
  type WhatsAppEvent,
  type MessageEvent,
  type StatusEvent,
  type InvalidStatusEvent,
  type ErrorEvent,
  type UnknownChangeEvent,
  type ContactProfile,
  type MessageContext,
  type UnknownContent,
  type KnownContent,
  type InboundMessage,
  type StatusUpdate,
  type DeliveryStatus,
  type EventSource,
  type WebhookError,
} from './events.js';
export {
  createWebhookHandler,
  MAX_WEBHOOK_BYTES,
  type WebhookHandler,
  type WebhookHandlerOptions,
  type WebhookHandlerResult,
} from './handler.js';
export { nodeWebhookListener } from './node.js';
export {
  createDedupeStore,
  createMemoryDedupeStore,
  createRedisDedupeStore,
  dedupeStoreFromIdempotency,
  DEFAULT_DEDUPE_TTL_MS,
  DEFAULT_DEDUPE_LEASE_MS,
  WEBHOOK_DEDUPE_SCOPE,
  type DedupeStore,
  type DedupeClaim,
  type DedupeClaimNew,
  type DedupeClaimProcessing,
  type DedupeClaimDone,
} from './dedupe.js';
export { nextStatus, recipientDigits, type StatusTracker, type TrackedStatus, type TrackResult } from './tracker.js';
export { createMemoryStatusTracker } from './tracker-memory.js';
export { createRedisStatusTracker } from './tracker-redis.js';
export { createSqlStatusTracker, statusTrackerMigrations, type SqlStatusTrackerOptions } from './tracker-sql.js';
export { createStatusTracker, type CreateStatusTrackerOptions } from './tracker-create.js';
export * as webhookSchemas from './schema.js';
