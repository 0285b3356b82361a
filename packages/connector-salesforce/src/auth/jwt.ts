import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/** Claims of a Salesforce JWT bearer assertion. */
export interface JwtBearerClaims {
  /** Connected app consumer key. */
  iss: string;
  /** Username the token is issued for. */
  sub: string;
  /** `https://login.salesforce.com`, `https://test.salesforce.com` or the My Domain / community URL. */
  aud: string;
  /** Expiry in **seconds** since the epoch (a value in milliseconds is refused). */
  exp: number;
}

/** Signs a compact RS256 JWT with node:crypto. */
export function signJwtRs256(claims: JwtBearerClaims, privateKey: string | KeyObject): string {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), key).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Builds the claims for `username`, expiring `lifetimeSeconds` from now (default 180 s). */
export function jwtBearerClaims(
  clientId: string,
  username: string,
  audience: string,
  lifetimeSeconds = 180,
  now = Date.now(),
): JwtBearerClaims {
  return {
    iss: clientId,
    sub: username,
    aud: audience.replace(/\/+$/, ''),
    exp: Math.floor(now / 1000) + lifetimeSeconds,
  };
}
