import type { IdempotencyStore, Logger, RateLimiter } from '@relaykit/sdk-core';
import type { GatewayConfig } from '../config/schema.js';
import type { ApiKey, ApiKeyStore } from '../keys/keys.js';
import type { JobQueue } from '../queue/types.js';
import type { LoadedInstance } from '../runtime/instances.js';
import type { GatewayMetrics } from '../runtime/metrics.js';
import type { JobRunner } from '../runtime/runner.js';
import type { AuditLog } from '../store/audit.js';
import type { JobStore } from '../store/job-store.js';
import type { LoginThrottle, SessionStore, UserStore } from '../users/index.js';
import type { SqlClient } from '../store/sql.js';
import type { Principal } from '../ops/principal-type.js';
import type { Privacy } from '../privacy/service.js';
import type { ScheduleService } from '../schedules/service.js';

/** What the HTTP layer needs from the gateway. */
export interface HttpDeps {
  config: GatewayConfig;
  instances: Map<string, LoadedInstance>;
  store: JobStore;
  /** The gateway's database (the operator API's reads: audit, statistics). */
  sql: SqlClient;
  /** Cached upstream health per instance, from the background checks (absent: not checked in this process). */
  health?: {
    get(instance: string): { ok: boolean | null; checkedAt: string | null; details?: Record<string, unknown> };
  };
  queue: JobQueue;
  keys: ApiKeyStore;
  audit: AuditLog;
  idempotency: IdempotencyStore;
  /** Console users, their sessions and the per-address login throttle. */
  users: UserStore;
  sessions: SessionStore;
  loginThrottle: LoginThrottle;
  /** Per-API-key limiter. */
  rateLimiter: RateLimiter;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Subject index, restrictions and erasure (the privacy area). */
  privacy?: Privacy | undefined;
  /** Schedules (the `/v1/schedules` routes); absent in apps built without them. */
  schedules?: ScheduleService | undefined;
  /** Present when jobs run in this process (faster `?wait=`). */
  runner?: JobRunner | undefined;
  /** The OpenAPI document for a caller (see `Gateway.openapi`). */
  openapi(key?: ApiKey): Record<string, unknown>;
  /** Readiness; details only for the instances `detailFor` accepts (none without it). */
  readiness(detailFor?: (instance: LoadedInstance) => boolean): Promise<{
    ok: boolean;
    components: Record<string, 'up' | 'down' | 'unknown'>;
    checks?: Record<string, unknown>;
  }>;
  isStopping(): boolean;
  /** Aborted when shutdown begins: `?wait=` requests stop waiting and answer 202 with the job id before connections close. */
  shutdown?: AbortSignal | undefined;
}

/** Per-request state. */
export interface GatewayState {
  requestId: string;
  apiKey?: ApiKey;
  /** The operator API's caller: set by a console session, or from the API key by `requirePermission`. */
  principal?: Principal;
  audit?: { instance?: string; operation?: string; jobId?: string; payload?: unknown; reads?: string[] };
  /** Set when the call was refused because the audit log is backlogged (it is then logged, not queued). */
  auditRefused?: boolean;
  /** The request body as read by the route mechanism (before validation; the idempotency fingerprint covers it). */
  rawBody?: Buffer;
  /** The request's `Idempotency-Key`, once the idempotency middleware read it. */
  idempotencyKey?: string;
  /** Headers a route replied with (stored with an idempotent response for its replay). */
  replyHeaders?: Record<string, string>;
}
