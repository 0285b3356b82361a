/**
 * Mahak accounting connector for relaykit: a lossless v3 sync API client, RowVersion incremental sync into
 * PostgreSQL (or any sink), a data transformer, and idempotent pushes of orders and receipts.
 * @packageDocumentation
 */
export { mahakConnector, MahakConfig, type MahakState, type MahakStore } from './connector.js';
export * from './client/index.js';
export * from './entities/index.js';
export * from './json/index.js';
export * from './push/index.js';
export * from './sink/index.js';
export * from './sync/index.js';
export * from './transform/index.js';
export { mahakPrivacy, type MahakPrivacyState } from './privacy/index.js';
export { MahakApiError, isMahakApiError, MahakProtocolError, isMahakProtocolError } from './errors/index.js';
