import { isHttpError, isUpstreamNetworkError } from '@relaykit/sdk-core';
import { isMahakApiError, isMahakProtocolError } from '../errors/index.js';

/** Network failures that happen before a request reaches the server: nothing can have been saved. */
const BEFORE_SENDING = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * True when a failed write may still have been carried out by the server: a timeout, a connection reset or closed
 * after sending, a 5xx. False for answers that say the server did not act (`Result:false`, 4xx including 429) and
 * for failures to connect at all. Unknown failures count as ambiguous (a look-up too many is cheap; a duplicate
 * order is not).
 */
export function isAmbiguousWriteFailure(error: unknown): boolean {
  if (isMahakApiError(error) || isMahakProtocolError(error)) return false;
  if (isHttpError(error)) return error.status >= 500;
  if (isUpstreamNetworkError(error)) return !(error.errno !== undefined && BEFORE_SENDING.has(error.errno));
  return true;
}
