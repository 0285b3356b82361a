import type { KeyObject } from 'node:crypto';
import { jwtBearerClaims, signJwtRs256 } from './jwt.js';

/** OAuth 2.0 client credentials: a connected app acting as its run-as user. Needs the org's My Domain URL as `loginUrl`. */
export interface ClientCredentialsAuth {
  flow: 'client_credentials';
  clientId: string;
  clientSecret: string;
}

/** OAuth 2.0 JWT bearer: an assertion signed with the connected app's certificate key (RS256). */
export interface JwtBearerAuth {
  flow: 'jwt_bearer';
  clientId: string;
  /** The Salesforce username the session is for (`sub`). */
  username: string;
  /** PKCS#8/PKCS#1 PEM private key, or a KeyObject. */
  privateKey: string | KeyObject;
  /** `aud` claim. Default: `https://test.salesforce.com` when `loginUrl` is a sandbox login host, else `https://login.salesforce.com`. */
  audience?: string | undefined;
  /** Assertion lifetime in seconds. Default 180. */
  lifetimeSeconds?: number | undefined;
}

/** OAuth 2.0 refresh token (from a web-server or device flow done once), with rotation support. */
export interface RefreshTokenAuth {
  flow: 'refresh_token';
  clientId: string;
  clientSecret?: string | undefined;
  /** The refresh token to start from (a newer one in the shared token store wins). */
  refreshToken: string;
  /**
   * Called with each new refresh token when the org rotates them. Persist it: the old one is dead,
   * and presenting it again revokes the whole family.
   */
  onRefreshTokenRotated?: ((refreshToken: string) => void | Promise<void>) | undefined;
}

/**
 * OAuth 2.0 username-password. **Legacy**: Salesforce has deprecated it and blocks it in new orgs;
 * prefer client credentials or JWT bearer.
 */
export interface PasswordAuth {
  flow: 'password';
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  /** Appended to the password, as Salesforce expects, when set. */
  securityToken?: string | undefined;
}

/** The supported authentication flows. */
export type SalesforceAuthOptions = ClientCredentialsAuth | JwtBearerAuth | RefreshTokenAuth | PasswordAuth;

/** Builds the form of a token request. `refreshToken` is the newest known (refresh flow only). */
export function tokenRequestForm(
  auth: SalesforceAuthOptions,
  loginUrl: string,
  refreshToken?: string,
): Record<string, string> {
  switch (auth.flow) {
    case 'client_credentials':
      return { grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret };
    case 'jwt_bearer': {
      const audience =
        auth.audience ??
        (/test\.salesforce\.com|\.sandbox\./.test(loginUrl)
          ? 'https://test.salesforce.com'
          : 'https://login.salesforce.com');
      const assertion = signJwtRs256(
        jwtBearerClaims(auth.clientId, auth.username, audience, auth.lifetimeSeconds ?? 180),
        auth.privateKey,
      );
      return { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion };
    }
    case 'refresh_token':
      return {
        grant_type: 'refresh_token',
        client_id: auth.clientId,
        refresh_token: refreshToken ?? auth.refreshToken,
        ...(auth.clientSecret ? { client_secret: auth.clientSecret } : {}),
      };
    case 'password':
      return {
        grant_type: 'password',
        client_id: auth.clientId,
        client_secret: auth.clientSecret,
        username: auth.username,
        password: auth.password + (auth.securityToken ?? ''),
      };
  }
}
