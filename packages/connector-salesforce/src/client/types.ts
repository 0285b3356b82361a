import type {
  HttpClientOptions,
  HttpRequest,
  HttpRequester,
  Lock,
  Logger,
  ResiliencePolicyOptions,
} from '@relaykit/sdk-core';
import type { SalesforceAuthOptions } from '../auth/flows.js';
import type { TokenStore } from '../auth/token-store.js';

/** An Azure API Management (or similar) front placed before Salesforce. */
export interface ApiGatewayOptions {
  /** The gateway URL Salesforce's API is published under, e.g. `https://sesapim.azure-api.net/salesforce`. */
  baseUrl: string;
  /** Sent as `Ocp-Apim-Subscription-Key` on every call. */
  subscriptionKey: string;
  /** Send token requests through the gateway too (`{baseUrl}/services/oauth2/token`). Default true. */
  tokenViaGateway?: boolean | undefined;
  /** Header name of the key. Default `Ocp-Apim-Subscription-Key`. */
  headerName?: string | undefined;
}

/** Options of {@link SalesforceClient}. */
export interface SalesforceClientOptions {
  auth: SalesforceAuthOptions;
  /**
   * Where token requests go: `https://login.salesforce.com`, `https://test.salesforce.com`, or the
   * org's My Domain URL (required for client credentials). Default: `instanceUrl` for client
   * credentials, else `https://login.salesforce.com`.
   */
  loginUrl?: string | undefined;
  /** The org's My Domain URL, e.g. `https://acme.my.salesforce.com`. */
  instanceUrl?: string | undefined;
  /** REST API version, e.g. `62.0`. Default `62.0`. */
  apiVersion?: string | undefined;
  /** Route every call through an API gateway; every URL Salesforce returns is rebased onto it. */
  apiGateway?: ApiGatewayOptions | undefined;
  /** Builds the HTTP client (the connector passes the runtime's `createHttpClient`). Default: sdk-core's `HttpClient`. */
  createHttpClient?: ((options: HttpClientOptions) => HttpRequester) | undefined;
  /** Overrides of the resilience policy (retry, breaker, timeout). The classifier is Salesforce's. */
  resilience?: Omit<ResiliencePolicyOptions, 'classify' | 'name'> | undefined;
  /** Where the session is kept. With Redis, workers share one session and one refresh per generation. */
  tokenStore?: TokenStore | undefined;
  /** Lock guarding refreshes across processes (use sdk-core's `createLock({ redisUrl })` with a shared store). */
  lock?: Lock | undefined;
  /** Key of this org's session in the store. Default: derived from the login URL, client id and user. */
  sessionKey?: string | undefined;
  /** Refuse non-urgent calls once this share (0..1) of the daily API allocation is used. Off by default. */
  limitGuardShare?: number | undefined;
  /**
   * How long the circuit stays isolated after Salesforce reports the daily allocation spent
   * (`TotalRequests`). The allocation is a rolling 24 h window, so capacity comes back gradually.
   * Default 15 minutes.
   */
  totalRequestsCooldownMs?: number | undefined;
  /** Collection chunks sent at once. Default 6. */
  concurrency?: number | undefined;
  /** How many times rows failing with `UNABLE_TO_LOCK_ROW` are re-sent. Default 5. */
  lockRowRetries?: number | undefined;
  /** Max open connections to Salesforce. Default 32. */
  connections?: number | undefined;
  logger?: Logger | undefined;
}

/** A request to Salesforce: `path` relative to `/services/data/vXX.X`, or `/services/...`, or an absolute URL. */
export interface SalesforceRequest extends Omit<HttpRequest, 'path'> {
  path: string;
  /** Urgent work passes the daily-allocation guard. */
  urgent?: boolean | undefined;
}

/** Common per-call options. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** Urgent work passes the daily-allocation guard. */
  urgent?: boolean | undefined;
}

/** Result of one record write. */
export interface SaveResult {
  id?: string | undefined;
  success: boolean;
  /** Upserts: whether the record was created. */
  created?: boolean | undefined;
  errors: Array<{ statusCode: string; message: string; fields?: string[] | undefined }>;
}

/** Result of an upsert by external id. */
export interface UpsertResult {
  /** Record id (absent only for 204 answers of API v45 and older). */
  id?: string | undefined;
  created: boolean;
}

/** A record as Salesforce returns it: fields plus `attributes`. */
export type SObjectRecord = Record<string, unknown> & {
  attributes?: { type: string; url: string } | undefined;
  Id?: string | undefined;
};
