import type { SalesforceTransport } from './transport.js';
import type { CallOptions } from './types.js';

/** One subrequest of `/composite`. `url` may be relative to the version root (`/sobjects/Contact`). */
export interface CompositeSubrequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  /** Later subrequests reference this one's answer as `@{referenceId.id}`. */
  referenceId: string;
  body?: unknown;
  httpHeaders?: Record<string, string> | undefined;
}

/** One subresponse of `/composite`. */
export interface CompositeSubresponse {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

/** Options of {@link composite}. */
export interface CompositeOptions extends CallOptions {
  /** Roll everything back when one subrequest fails. Default false. */
  allOrNone?: boolean | undefined;
  /** Set when every subrequest is an upsert/update/delete/get, so the call may be replayed. Default false. */
  idempotent?: boolean | undefined;
}

/** Sends up to 25 subrequests in one API call (`POST /composite`). */
export async function composite(
  client: SalesforceTransport,
  subrequests: ReadonlyArray<CompositeSubrequest>,
  options: CompositeOptions = {},
): Promise<CompositeSubresponse[]> {
  if (subrequests.length === 0) return [];
  if (subrequests.length > 25)
    throw new RangeError(`composite takes at most 25 subrequests, got ${subrequests.length}`);
  const prefix = `/services/data/v${client.apiVersion}`;
  const compositeRequest = subrequests.map((s) => ({
    ...s,
    url: s.url.startsWith('/services/') ? s.url : `${prefix}${s.url.startsWith('/') ? '' : '/'}${s.url}`,
  }));
  const res = await client.send<{ compositeResponse: CompositeSubresponse[] }>({
    method: 'POST',
    path: '/composite',
    route: '/composite',
    json: { allOrNone: options.allOrNone === true, compositeRequest },
    idempotent: options.idempotent === true,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.urgent ? { urgent: true } : {}),
  });
  return res.body.compositeResponse;
}
