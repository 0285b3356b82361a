import type {
  HttpRequester,
  HttpTimeouts,
  Logger,
  RateLimiter,
  ResiliencePolicy,
  ResiliencePolicyOptions,
} from '@relaykit/sdk-core';
import type { EntityName } from '../entities/catalogue.js';

/** How Login sends the password; public clients disagree, so it is configurable. */
export type PasswordMode = 'md5' | 'plain';

/** Options of {@link MahakClient}. */
export interface MahakClientOptions {
  /** Base URL of the v3 sync API (default `https://mahakacc.mahaksoft.com/api/v3/sync/`). */
  baseUrl?: string;
  userName: string;
  /** The password in clear; sent as lowercase-hex MD5 or plain per `passwordMode`. Never logged. */
  password: string;
  /** Mahak database id (int64: pass a bigint or a digit string when above 2^53). */
  databaseId: bigint | number | string;
  /** Default `md5`. */
  passwordMode?: PasswordMode;
  /** Use `LoginV2`, `GetAllDataV2`, `SaveAllDataV2` (default false). */
  v2?: boolean;
  language?: string;
  appId?: string;
  deviceId?: string;
  description?: string;
  packageNo?: string;
  clientVersion?: string;
  /** Mahak codes that mean "token invalid or expired" (default `[401]`). */
  authCodes?: readonly number[];
  /** Mahak codes worth retrying (none by default: the catalogue is unknown). */
  retryableCodes?: readonly number[];
  /** An HTTP client to send through (the connector passes the runtime's); default a new sdk-core `HttpClient`. */
  http?: HttpRequester;
  /** HTTP timeouts; GetAllData answers can be large, so the body timeout defaults to 120 s. */
  timeouts?: HttpTimeouts;
  /** A policy, or options for one built with the Mahak classifier (default: 4 attempts, breaker after 5 failures). */
  policy?: ResiliencePolicy | ResiliencePolicyOptions;
  /** Rate limiter every request acquires from (e.g. the connector's, shared through Redis). */
  rateLimiter?: RateLimiter;
  /** Key for `rateLimiter` (default `mahak:<databaseId>`). */
  rateLimitKey?: string;
  logger?: Logger;
}

/** What Login answered. */
export interface MahakSession {
  userToken: string;
  syncId: bigint | null;
  visitorId: bigint | null;
  databaseId: bigint | null;
  userTitle: string | null;
  serverTime: string | null;
  /** The whole `Data` object. */
  raw: Record<string, unknown>;
}

/** A GetAllData request: the RowVersion to read from per entity (records with RowVersion > it come back). */
export interface GetAllDataRequest {
  from: Partial<Record<EntityName, bigint>>;
  /** Page size (a relaykit extension the fake honours; the real API returns everything). */
  pageSize?: number;
  /** Order types to include. */
  orderTypes?: number[];
  /**
   * Remember each record's JSON text as received (read it back with `sourceTextOf(record)`), for sinks that store
   * it as `raw` without serialising the record again.
   */
  keepSourceText?: boolean | undefined;
  signal?: AbortSignal;
}

/** One row's outcome in a SaveAllData answer. */
export interface SaveRowResult {
  /** Position of the row in the request's array. */
  index: number;
  ok: boolean;
  /** Mahak's id of the record (0 when the row failed). */
  entityId: bigint;
  /** The ClientId sent. */
  clientId: bigint;
  code: string | null;
  rowVersion: bigint | null;
  /** Per-field errors. */
  errors: Array<{ property: string; code: number; message: string }>;
}

/** SaveAllData's answer: results per entity in request order. */
export type SaveAllDataResult = Partial<Record<EntityName, SaveRowResult[]>>;
