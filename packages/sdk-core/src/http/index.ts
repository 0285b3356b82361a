export type * from './types.js';
export { HttpClient, DEFAULT_TIMEOUTS } from './client.js';
export { parseRetryAfter } from './retry-after.js';
export type { TracerLike, SpanLike } from './otel.js';
