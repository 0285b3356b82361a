import type { ApiKey } from '../keys/keys.js';

/** Key management through a running gateway's `/v1/admin/keys` (what `relaykit keys --url` uses). */
export class AdminClient {
  constructor(
    private readonly url: string,
    private readonly adminKey: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.url.endsWith('/') ? this.url : `${this.url}/`), {
        method,
        headers: {
          authorization: `Bearer ${this.adminKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new Error(`cannot reach the gateway at ${this.url}: ${(cause as Error).message}`, { cause });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const detail = (parsed as { detail?: string } | undefined)?.detail ?? text.slice(0, 200);
      throw new Error(`the gateway answered ${res.status}: ${detail}`);
    }
    return parsed as T;
  }

  async list(): Promise<ApiKey[]> {
    return (await this.call<{ keys: ApiKey[] }>('GET', 'v1/admin/keys')).keys;
  }

  create(input: { name: string; environment: string; scopes: string[] }): Promise<{ key: ApiKey; secret: string }> {
    return this.call('POST', 'v1/admin/keys', input);
  }

  async revoke(id: string): Promise<ApiKey> {
    return (await this.call<{ key: ApiKey }>('DELETE', `v1/admin/keys/${encodeURIComponent(id)}`)).key;
  }
}
