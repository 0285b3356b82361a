import { HttpClient, type HttpClientOptions, type HttpRequester, isHttpError } from '@relaykit/sdk-core';

/** What {@link deadTokenProbe} returns: a transport factory for `SalesforceClient` and what it counted. */
export interface DeadTokenProbe {
  /** Pass as `SalesforceClientOptions.createHttpClient`: a real `HttpClient` that watches every 401. */
  createHttpClient(options: HttpClientOptions): HttpRequester;
  /** 401s on requests that left after a 401 had already told the client their token was dead. */
  readonly sentAfterDeadKnown: number;
}

/**
 * Counts the 401s a client could have avoided: a request sent with a token after the client had already seen that
 * token refused. A client that shares one session refresh among its connections keeps this at 0 however often the
 * session expires (at most one 401 per connection in flight per expiry).
 */
export function deadTokenProbe(): DeadTokenProbe {
  // When the client first saw a 401 for each token.
  const deadSince = new Map<string, number>();
  let sentAfterDeadKnown = 0;
  return {
    get sentAfterDeadKnown() {
      return sentAfterDeadKnown;
    },
    createHttpClient(options) {
      const http = new HttpClient(options);
      return {
        upstream: http.upstream,
        close: () => http.close(),
        request: async (request) => {
          const token = String(request.headers?.authorization ?? '');
          const sentAt = performance.now();
          try {
            return await http.request(request);
          } catch (error) {
            if (isHttpError(error, 401)) {
              if (sentAt > (deadSince.get(token) ?? Number.POSITIVE_INFINITY)) sentAfterDeadKnown++;
              if (!deadSince.has(token)) deadSince.set(token, performance.now());
            }
            throw error;
          }
        },
      } as HttpRequester;
    },
  };
}
