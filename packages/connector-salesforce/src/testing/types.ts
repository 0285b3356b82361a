import type { KeyObject } from 'node:crypto';

/** A user the fake org lets sign in with the password flow and the JWT bearer flow (`sub`). */
export interface FakeOrgUser {
  username: string;
  /** Password with the security token appended, as Salesforce expects it. */
  password: string;
}

/** An API-gateway (Azure API Management) front placed before the fake org. */
export interface FakeApimOptions {
  /** The subscription key callers must send in `Ocp-Apim-Subscription-Key`. */
  subscriptionKey: string;
  /** Path the API is published under on the gateway. Default `/salesforce`. */
  basePath?: string;
}

/** Failures the fake org injects, changeable at run time with {@link FakeOrg.setFaults}. */
export interface FakeOrgFaults {
  /** After this many more authenticated REST calls, every session issued so far expires (once). */
  expireSessionsAfterCalls?: number;
  /**
   * Sessions expire again and again, as in a long run against a real org (timeouts, revocations, an
   * admin's "log out all"): every session issued so far dies after each `calls` authenticated REST
   * calls and/or each `ms` milliseconds (checked as requests arrive). Counted in `state.sessionExpiries`.
   */
  expireSessionsEvery?: { calls?: number; ms?: number };
  /** Every access token, even a fresh one, answers 401 "Session expired or invalid" (revoked at once). */
  rejectAllSessions?: boolean;
  /** Every access token answers 401 "This session is not valid for use with the REST API". */
  sessionNotValidForRest?: boolean;
  /**
   * The APIM front's rate limit (its `rate-limit` policy): at most `requests` calls per `windowMs`
   * on every path, the token endpoint included; the rest get 429 "Rate limit is exceeded. Try again
   * in N seconds." with `Retry-After` (seconds to the window's end, at least 1). Refused calls do not count.
   */
  apimRateLimit?: { requests: number; windowMs: number };
  /**
   * The APIM front's call-volume quota (its `quota` policy): `requests` calls per `periodMs` on every
   * path; the rest get 403 "Out of call volume quota. Quota will be replenished in hh:mm:ss." with
   * `Retry-After` (seconds to the period's end).
   */
  apimQuota?: { requests: number; periodMs: number };
  /**
   * Salesforce's concurrent long-running request limit: when `max` requests that have run for at
   * least `longRunningMs` are in flight, another gets 403 `REQUEST_LIMIT_EXCEEDED` "ConcurrentRequests
   * (Concurrent API Requests) Limit exceeded.". Default from the org options (25 at 20 s, as in production).
   */
  concurrentRequestLimit?: { max: number; longRunningMs?: number };
  /** The APIM front answers `times` requests with 429 (rate limit) or 403 (quota) and `Retry-After`. */
  apimThrottle?: { status?: 429 | 403; retryAfterSeconds: number; times: number };
  /** The org answers the next `times` requests with 403 `REQUEST_LIMIT_EXCEEDED` "ConcurrentRequests ..." (injection, whatever is in flight). */
  concurrentRequests?: { times: number };
  /** Writes of these external-id values fail `times` times each with `UNABLE_TO_LOCK_ROW`. */
  lockRows?: { externalIds: ReadonlyArray<string>; times: number };
  /** `times` requests get an HTML 503 page from the "CDN". */
  html503?: { times: number };
  /** `times` requests get a JSON 503 `SERVER_UNAVAILABLE`. */
  serverUnavailable?: { times: number };
  /** The daily allocation is spent: every REST call gets 403 "TotalRequests Limit exceeded.". */
  totalRequestsExhausted?: boolean;
  /**
   * The next `times` (default 1) Bulk 2.0 jobs of `kind` (default both) end `Failed` or `Aborted`
   * instead of `JobComplete`, an ingest job after processing `afterRecords` rows (default 0; the rest
   * stay unprocessed). A failed ingest job reports `errorMessage` (default "InvalidBatch : Failed to
   * process the batch"); a failed query job, like Salesforce's, reports none.
   */
  bulkJobs?: {
    end: 'Failed' | 'Aborted';
    kind?: 'ingest' | 'query';
    errorMessage?: string;
    afterRecords?: number;
    times?: number;
  };
  /** Added delay before every answer, in ms (before the org looks at the request). */
  latencyMs?: number;
  /** Time the org spends on each admitted REST call, in ms, during which it counts as in flight. */
  processingMs?: number;
}

/** Options of {@link startFakeOrg}. Everything has a working default. */
export interface FakeOrgOptions {
  /** Connected app consumer key. Default `fake-client-id`. */
  clientId?: string;
  /** Connected app consumer secret. Default `fake-client-secret`. */
  clientSecret?: string;
  /** Users for the password and JWT bearer flows. Default one user `integration@example.org` / `passwordTOKEN`. */
  users?: ReadonlyArray<FakeOrgUser>;
  /** Public key (PEM or KeyObject) that verifies JWT bearer assertions. Without it the JWT flow is refused. */
  jwtPublicKey?: string | KeyObject;
  /** Refresh tokens valid from the start (each one its own family). */
  refreshTokens?: ReadonlyArray<string>;
  /** Refresh-token rotation: each refresh returns a new refresh token and retires the old one. Default true. */
  refreshTokenRotation?: boolean;
  /** How long a token request takes, in ms (widens the "already being processed" window). Default 15. */
  tokenLatencyMs?: number;
  /** External-id fields per sObject. Other objects accept any custom (`__c`) field as an external id. */
  externalIdFields?: Record<string, ReadonlyArray<string>>;
  /** Fields required on create, per sObject. Default `{ Contact: ['LastName'], Account: ['Name'] }`. */
  requiredFields?: Record<string, ReadonlyArray<string>>;
  /** Daily API request allocation reported in `Sforce-Limit-Info` and `/limits`. Default 100,000. */
  dailyApiLimit?: number;
  /** Adds a `per-app-api-usage=n/max(appName=...)` entry to `Sforce-Limit-Info` (a connected app with its own cap). */
  perAppApiLimit?: { appName: string; max: number };
  /**
   * The org's concurrent long-running request limit: requests in flight for `longRunningMs` or more
   * count, and once `max` of them are, another is refused. Default `{ max: 25, longRunningMs: 20_000 }`
   * (production orgs); a fault of the same name overrides it.
   */
  concurrentRequestLimit?: { max: number; longRunningMs?: number };
  /** Requests already used today. Default 0. */
  initialApiUsage?: number;
  /** Delay between Bulk 2.0 job state changes, in ms. Default 40. */
  bulkStepMs?: number;
  /** Records a Bulk 2.0 ingest job processes per step. Default 5,000. */
  bulkRecordsPerStep?: number;
  /** Front the org with an API gateway (its own port) requiring a subscription key. */
  apim?: FakeApimOptions;
  /** Faults active from the start. */
  faults?: FakeOrgFaults;
}

/** Kind of one write in the {@link FakeOrgLedger}. */
export type LedgerOperation = 'create' | 'update' | 'delete';

/** Which API performed a write. */
export type LedgerChannel = 'sobject' | 'upsert' | 'collections' | 'composite' | 'bulk';

/** One committed write. */
export interface LedgerEntry {
  seq: number;
  object: string;
  id: string;
  /** `field=value` of the external id when the write was an upsert. */
  externalId?: string | undefined;
  operation: LedgerOperation;
  channel: LedgerChannel;
}

/** One request the org (or its APIM front) answered. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  /** `instance` (My Domain), `login` (login host) or `apim` (rejected by the front before reaching the org). */
  host: 'instance' | 'login' | 'apim';
}

/** One request to the token endpoint. */
export interface TokenRequestLogEntry {
  grantType: string;
  ok: boolean;
  error?: string | undefined;
  host: 'instance' | 'login';
}
