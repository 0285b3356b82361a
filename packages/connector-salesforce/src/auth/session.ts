import { isHttpError, type HttpRequester, type Lock } from '@relaykit/sdk-core';
import { SalesforceAuthError, gatewayLimitError, isSalesforceAuthError } from '../errors/index.js';
import { failureKind, rejectedBeforeProcessing } from '../client/classify.js';
import { sleep } from '@relaykit/sdk-core';
import { tokenRequestForm, type SalesforceAuthOptions } from './flows.js';
import type { StoredSession, TokenStore } from './token-store.js';

/** Options of {@link SessionManager}. */
export interface SessionManagerOptions {
  auth: SalesforceAuthOptions;
  /** Full URL of the token endpoint (`{loginUrl}/services/oauth2/token`, possibly behind the gateway). */
  tokenUrl: string;
  /** Login URL the flow is configured for (used for the JWT audience default). */
  loginUrl: string;
  http: HttpRequester;
  store: TokenStore;
  /** Key of this org's session in the store. */
  key: string;
  /** Distributed lock: when set, one worker refreshes while the others wait and reuse its session. */
  lock?: Lock | undefined;
  /** Extra headers on token requests (the gateway subscription key). */
  headers?: Record<string, string> | undefined;
}

const ALREADY_PROCESSING = /already being processed/i;
/** Token requests refused before processing (gateway throttling) are sent again up to this many times. */
const MAX_TOKEN_REFUSALS = 6;
/**
 * Longest total wait for a throttled token request; a longer `Retry-After` (a spent gateway quota)
 * fails at once. Below the refresh lock's 30 s lease, so no other worker refreshes meanwhile.
 */
const MAX_TOKEN_WAIT_MS = 25_000;

/**
 * Holds the current Salesforce session and refreshes it **once per generation**: concurrent
 * callers that saw the same stale session share one refresh (single flight), and with a shared
 * store plus a lock, workers in other processes adopt the session one of them fetched instead of
 * refreshing again. Rotated refresh tokens are stored and handed to `onRefreshTokenRotated`.
 */
export class SessionManager {
  private session: StoredSession | undefined;
  private inflight: Promise<StoredSession> | undefined;
  private refreshes = 0;
  /** Newest generation the org has accepted at least once (a call answered other than 401 with it). */
  private acceptedGeneration = 0;
  private readonly listeners = new Set<(refreshToken: string) => void | Promise<void>>();

  constructor(private readonly options: SessionManagerOptions) {
    const hook = options.auth.flow === 'refresh_token' ? options.auth.onRefreshTokenRotated : undefined;
    if (hook) this.listeners.add(hook);
  }

  /** Token requests this process made (for tests and metrics). */
  get tokenRequests(): number {
    return this.refreshes;
  }

  /**
   * The current session, fetching (or adopting a shared) one first when there is none. While a
   * refresh is under way it waits for the new session rather than hand out the one that just died.
   */
  async current(): Promise<StoredSession> {
    if (this.inflight) return this.inflight;
    if (this.session) return this.session;
    return this.refresh(0);
  }

  /** Generation of the newest session this process holds (0 before the first). */
  get generation(): number {
    return this.session?.generation ?? 0;
  }

  /** Records that the org accepted a call made with the session of `generation`. */
  markAccepted(generation: number): void {
    if (generation > this.acceptedGeneration) this.acceptedGeneration = generation;
  }

  /**
   * Whether the org ever accepted the session of `generation`. A 401 on a session that was accepted
   * is an ordinary expiry; a 401 on one that never was means a fresh session is refused.
   */
  wasAccepted(generation: number): boolean {
    return this.acceptedGeneration >= generation;
  }

  /** Subscribes to refresh-token rotation (in addition to the auth option's hook). */
  onRefreshTokenRotated(listener: (refreshToken: string) => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Replaces the session of generation `failedGeneration` (the one a 401 came back on). When a
   * newer session already exists, it is returned without a token request.
   */
  refresh(failedGeneration: number): Promise<StoredSession> {
    if (this.session && this.session.generation > failedGeneration) return Promise.resolve(this.session);
    if (!this.inflight) {
      this.inflight = this.renew(failedGeneration).finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async renew(failedGeneration: number): Promise<StoredSession> {
    const { lock, key } = this.options;
    const work = () => this.renewUnlocked(failedGeneration);
    const next = lock
      ? await lock.withLock(`salesforce-session:${key}`, 30_000, work, { waitMs: 60_000 })
      : await work();
    this.session = next;
    return next;
  }

  private async renewUnlocked(failedGeneration: number): Promise<StoredSession> {
    const { store, key, auth } = this.options;
    for (let attempt = 1; ; attempt++) {
      const stored = await store.get(key);
      // Another worker (or an earlier run) already replaced the session that failed: adopt it.
      if (stored && stored.generation > failedGeneration && stored.generation > (this.session?.generation ?? 0))
        return stored;
      const knownRefresh = stored?.refreshToken ?? this.session?.refreshToken;
      try {
        const answer = await this.grant(knownRefresh);
        const previousRefresh = knownRefresh ?? (auth.flow === 'refresh_token' ? auth.refreshToken : undefined);
        const next: StoredSession = {
          accessToken: answer.access_token,
          instanceUrl: answer.instance_url.replace(/\/+$/, ''),
          generation: Math.max(failedGeneration, stored?.generation ?? 0, this.session?.generation ?? 0) + 1,
          issuedAt: Number(answer.issued_at) || Date.now(),
          refreshToken: answer.refresh_token ?? previousRefresh,
        };
        await store.set(key, next);
        if (answer.refresh_token && answer.refresh_token !== previousRefresh) {
          for (const l of this.listeners) await l(answer.refresh_token);
        }
        return next;
      } catch (e) {
        // Two refreshes at once (another process without our lock). Retrying at once with the same
        // refresh token would revoke the family once the other side rotates it, so first wait for
        // the winner's session to appear in the shared store (up to ~5 s), then try again.
        if (isSalesforceAuthError(e) && ALREADY_PROCESSING.test(e.message) && attempt < 4) {
          for (let i = 0; i < 50; i++) {
            await new Promise((r) => setTimeout(r, 100));
            const winner = await store.get(key);
            if (winner && winner.generation > failedGeneration && winner.generation > (this.session?.generation ?? 0))
              return winner;
          }
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * One token request, sent again (every flow, the rotating refresh included) while it is refused
   * before it reached Salesforce — an API gateway's 429 or 403 with `Retry-After` — honouring the
   * wait: such an answer proves the old refresh token was never presented.
   */
  private async grant(refreshToken: string | undefined): Promise<TokenAnswer> {
    let waited = 0;
    for (let refused = 0; ; refused++) {
      try {
        return await this.grantOnce(refreshToken);
      } catch (e) {
        if (!isHttpError(e) || !rejectedBeforeProcessing(failureKind(e))) throw e;
        const wait = e.retryAfterMs ?? 250 * 2 ** refused * (0.5 + Math.random() / 2);
        if (refused >= MAX_TOKEN_REFUSALS || waited + wait > MAX_TOKEN_WAIT_MS)
          throw failureKind(e) === 'gateway_throttled' ? gatewayLimitError(e) : e;
        waited += wait;
        await sleep(wait);
      }
    }
  }

  private async grantOnce(refreshToken: string | undefined): Promise<TokenAnswer> {
    const { auth, http, tokenUrl, loginUrl, headers } = this.options;
    this.refreshes++;
    try {
      const res = await http.request<TokenAnswer>({
        method: 'POST',
        path: tokenUrl,
        route: '/services/oauth2/token',
        form: tokenRequestForm(auth, loginUrl, refreshToken),
        headers: { accept: 'application/json', ...headers },
        // A refresh with rotation that reached the server but lost its answer must not be replayed:
        // the old token is dead and reusing it revokes the family.
        idempotent: auth.flow !== 'refresh_token',
        responseType: 'json',
      });
      if (!res.body?.access_token || !res.body.instance_url)
        throw new SalesforceAuthError('The token endpoint answered without access_token/instance_url', {
          reason: 'token_request',
        });
      return res.body;
    } catch (e) {
      if (isHttpError(e) && (e.status === 400 || e.status === 401)) {
        const body = (typeof e.body === 'object' && e.body !== null ? e.body : {}) as {
          error?: string;
          error_description?: string;
          message?: string;
        };
        if (e.status === 401 && body.message !== undefined)
          throw new SalesforceAuthError(
            `The API gateway refused the token request: ${body.message}`,
            { reason: 'gateway_subscription', status: 401 },
            { cause: e },
          );
        throw new SalesforceAuthError(
          `Salesforce token request (${auth.flow}) failed: ${body.error ?? e.status} ${body.error_description ?? ''}`.trim(),
          { reason: 'token_request', oauthError: body.error, status: e.status },
          { cause: e },
        );
      }
      throw e;
    }
  }
}

interface TokenAnswer {
  access_token: string;
  instance_url: string;
  id?: string;
  issued_at?: string;
  refresh_token?: string;
  api_instance_url?: string;
}
