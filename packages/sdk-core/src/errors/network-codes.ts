// One list of the error codes that mean "the connection failed", for the transport (which turns them into
// UpstreamNetworkError) and for the default classifier (which retries them when they reach it raw).

/** Node's and undici's codes of a connection that failed or broke: the upstream may answer next time. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/** undici's timeouts (connect, headers, body), when they reach a classifier untranslated. */
export const TIMEOUT_ERROR_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const TLS_CODE = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME_MISMATCH|ALTNAME/;

/** Certificate and TLS failures: connection errors too, but the next try fails the same way. */
export function isTlsErrorCode(code: string): boolean {
  return TLS_CODE.test(code);
}
