import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { FakeOrgUser, TokenRequestLogEntry } from './types.js';

/** An issued access token. */
export interface Session {
  token: string;
  username: string;
  /** Sessions issued before an expiry wave carry an older epoch and are dead. */
  epoch: number;
  flow: string;
}

interface RefreshToken {
  family: number;
  username: string;
  active: boolean;
}

/** Answer of the token endpoint. */
export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

const ORG_ID = '00DFk0000000001AAA';

/** Access tokens, refresh-token families with rotation, and the OAuth grants. */
export class AuthServer {
  /** Every token-endpoint request, for assertions ("exactly one refresh"). */
  readonly tokenRequests: TokenRequestLogEntry[] = [];
  private readonly sessions = new Map<string, Session>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly processing = new Set<number>();
  private readonly publicKey: KeyObject | undefined;
  private epoch = 1;
  private families = 0;
  /** Refresh tokens issued, newest last (what a client should have persisted). */
  readonly issuedRefreshTokens: string[] = [];

  constructor(
    private readonly opts: {
      clientId: string;
      clientSecret: string;
      users: ReadonlyArray<FakeOrgUser>;
      jwtPublicKey?: string | KeyObject | undefined;
      rotation: boolean;
      latencyMs: number;
      initialRefreshTokens: ReadonlyArray<string>;
      instanceUrl: () => string;
      loginUrl: () => string;
    },
  ) {
    this.publicKey =
      opts.jwtPublicKey === undefined
        ? undefined
        : typeof opts.jwtPublicKey === 'string'
          ? createPublicKey(opts.jwtPublicKey)
          : opts.jwtPublicKey;
    for (const t of opts.initialRefreshTokens)
      this.refreshTokens.set(t, { family: ++this.families, username: this.defaultUser(), active: true });
  }

  /** Looks up a bearer token; undefined when unknown or expired. */
  session(token: string): Session | undefined {
    const s = this.sessions.get(token);
    return s && s.epoch === this.epoch ? s : undefined;
  }

  /** Expires every session issued so far (the next calls get 401 INVALID_SESSION_ID). */
  expireAll(): void {
    this.epoch++;
  }

  /** Issues a session directly (for tests that start with a token). */
  issue(username = this.defaultUser(), flow = 'test'): string {
    const token = `${ORG_ID.slice(0, 15)}!${randomBytes(24).toString('base64url')}`;
    this.sessions.set(token, { token, username, epoch: this.epoch, flow });
    return token;
  }

  /** Handles `POST /services/oauth2/token`. `onMyDomain` is false on the login host. */
  async token(form: URLSearchParams, onMyDomain: boolean): Promise<TokenAnswer> {
    const grantType = form.get('grant_type') ?? '';
    const answer = await this.grant(grantType, form, onMyDomain);
    this.tokenRequests.push({
      grantType,
      ok: answer.status === 200,
      error: answer.status === 200 ? undefined : String(answer.body.error_description ?? answer.body.error),
      host: onMyDomain ? 'instance' : 'login',
    });
    return answer;
  }

  private async grant(grantType: string, form: URLSearchParams, onMyDomain: boolean): Promise<TokenAnswer> {
    switch (grantType) {
      case 'client_credentials': {
        if (!onMyDomain) return fail('invalid_grant', 'request not supported on this domain');
        if (form.get('client_id') !== this.opts.clientId) return fail('invalid_client_id', 'client identifier invalid');
        if (form.get('client_secret') !== this.opts.clientSecret)
          return fail('invalid_client', 'invalid client credentials');
        await delay(this.opts.latencyMs);
        return this.success(this.defaultUser(), 'client_credentials');
      }
      case 'password': {
        if (form.get('client_id') !== this.opts.clientId) return fail('invalid_client_id', 'client identifier invalid');
        if (form.get('client_secret') !== null && form.get('client_secret') !== this.opts.clientSecret)
          return fail('invalid_client', 'invalid client credentials');
        const user = this.opts.users.find((u) => u.username === form.get('username'));
        if (!user || user.password !== form.get('password')) return fail('invalid_grant', 'authentication failure');
        await delay(this.opts.latencyMs);
        return this.success(user.username, 'password');
      }
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        return this.jwtBearer(form.get('assertion') ?? '');
      case 'refresh_token':
        return this.refresh(form);
      default:
        return fail('unsupported_grant_type', 'grant type not supported');
    }
  }

  private async jwtBearer(assertion: string): Promise<TokenAnswer> {
    if (!this.publicKey) return fail('invalid_grant', 'invalid assertion');
    const parts = assertion.split('.');
    if (parts.length !== 3) return fail('invalid_grant', 'invalid assertion');
    const [h, p, s] = parts as [string, string, string];
    let header: { alg?: string }, claims: { iss?: string; sub?: string; aud?: string | string[]; exp?: number };
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch {
      return fail('invalid_grant', 'invalid assertion');
    }
    if (header.alg !== 'RS256') return fail('invalid_grant', 'invalid assertion');
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, 'base64url')))
      return fail('invalid_grant', 'invalid assertion');
    if (claims.iss !== this.opts.clientId) return fail('invalid_client_id', 'client identifier invalid');
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const allowed = [
      'https://login.salesforce.com',
      'https://test.salesforce.com',
      this.opts.loginUrl(),
      this.opts.instanceUrl(),
    ];
    if (!audiences.some((a) => a !== undefined && allowed.includes(a.replace(/\/$/, ''))))
      return fail('invalid_grant', 'audience is invalid');
    const nowSeconds = Date.now() / 1000;
    // exp is in seconds; a value in milliseconds lands centuries ahead and is refused like Salesforce does.
    if (typeof claims.exp !== 'number' || claims.exp < nowSeconds || claims.exp > nowSeconds + 24 * 3600)
      return fail('invalid_grant', 'expired authorization code');
    const user = this.opts.users.find((u) => u.username === claims.sub);
    if (!user) return fail('invalid_grant', "user hasn't approved this consumer");
    await delay(this.opts.latencyMs);
    return this.success(user.username, 'jwt');
  }

  private async refresh(form: URLSearchParams): Promise<TokenAnswer> {
    if (form.get('client_id') !== this.opts.clientId) return fail('invalid_client_id', 'client identifier invalid');
    const secret = form.get('client_secret');
    if (secret !== null && secret !== this.opts.clientSecret)
      return fail('invalid_client', 'invalid client credentials');
    const presented = form.get('refresh_token') ?? '';
    const rt = this.refreshTokens.get(presented);
    if (!rt) return fail('invalid_grant', 'expired access/refresh token');
    if (!rt.active) {
      // Reuse of a rotated-out token: the whole family is revoked, as with Salesforce's rotation.
      for (const other of this.refreshTokens.values()) if (other.family === rt.family) other.active = false;
      return fail('invalid_grant', 'expired access/refresh token');
    }
    if (this.processing.has(rt.family)) return fail('invalid_grant', 'token request is already being processed');
    this.processing.add(rt.family);
    try {
      await delay(this.opts.latencyMs);
      const answer = this.success(rt.username, 'refresh_token');
      if (this.opts.rotation) {
        rt.active = false;
        const next = randomBytes(32).toString('base64url');
        this.refreshTokens.set(next, { family: rt.family, username: rt.username, active: true });
        this.issuedRefreshTokens.push(next);
        answer.body.refresh_token = next;
      }
      return answer;
    } finally {
      this.processing.delete(rt.family);
    }
  }

  private success(username: string, flow: string): TokenAnswer {
    const token = this.issue(username, flow);
    const issuedAt = String(Date.now());
    return {
      status: 200,
      body: {
        access_token: token,
        instance_url: this.opts.instanceUrl(),
        id: `${this.opts.loginUrl()}/id/${ORG_ID}/005Fk0000000001AAA`,
        token_type: 'Bearer',
        issued_at: issuedAt,
        signature: randomBytes(32).toString('base64'),
        scope: 'api refresh_token',
      },
    };
  }

  private defaultUser(): string {
    return this.opts.users[0]?.username ?? 'integration@example.org';
  }
}

function fail(error: string, description: string): TokenAnswer {
  return { status: 400, body: { error, error_description: description } };
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
