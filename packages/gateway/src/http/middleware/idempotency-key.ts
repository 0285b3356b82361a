import { createHash } from 'node:crypto';
import { isIdempotencyMismatchError } from '@relaykit/sdk-core';
import type { Context, Middleware } from 'koa';
import { problem } from '../../errors/index.js';
import type { ApiKey } from '../../keys/keys.js';
import type { HttpDeps } from '../types.js';

/** A response as stored for replay. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Reads `Idempotency-Key` (structured-field string `"..."`, or bare); undefined when absent. 400 when empty or over 255 characters. */
export function readIdempotencyKey(ctx: Context): string | undefined {
  const header = ctx.get('idempotency-key');
  if (!header) return undefined;
  const value = /^"(.*)"$/.exec(header.trim())?.[1] ?? header.trim();
  if (!value || value.length > 255)
    throw problem('IDEMPOTENCY_KEY_INVALID', 'The Idempotency-Key must be 1 to 255 characters.');
  return value;
}

/** Options of {@link idempotencyKey}. */
export interface IdempotencyKeyOptions {
  /** When the request must carry the header: the problem's detail (`IDEMPOTENCY_KEY_REQUIRED`); undefined when optional. */
  required?(ctx: Context, deps: HttpDeps): string | undefined;
}

/**
 * Middleware: runs the rest of the route once per (API key, Idempotency-Key). The first request's response (its
 * status, body and the headers the route replied with, `ctx.state.replyHeaders`) is stored and replayed for the same
 * method, path and body (the raw body in `ctx.state.rawBody`); 409 while the first is in flight; 422 when the key comes
 * back with another request; a request that fails releases its key, so the client can fix it and retry. Follows the
 * IETF httpapi Idempotency-Key draft (an Internet-Draft, not an RFC). Without the header the route just runs.
 */
export function idempotencyKey(deps: HttpDeps, options: IdempotencyKeyOptions = {}): Middleware {
  return async function idempotencyKey(ctx, next) {
    const sent = readIdempotencyKey(ctx);
    if (!sent) {
      const required = options.required?.(ctx, deps);
      if (required) throw problem('IDEMPOTENCY_KEY_REQUIRED', required);
      return next();
    }
    ctx.state.idempotencyKey = sent;
    const key = ctx.state.apiKey as ApiKey;
    const raw = (ctx.state.rawBody as Buffer | undefined) ?? Buffer.alloc(0);
    const scope = `apikey:${key.id}`;
    const fingerprint = createHash('sha256').update(`${ctx.method}\n${ctx.path}\n`).update(raw).digest('hex');
    const begun = await deps.idempotency.begin<StoredResponse>(scope, sent, fingerprint, { lockTtlMs: 60_000 });
    if (begun.state === 'in_flight')
      throw problem(
        'IDEMPOTENCY_IN_FLIGHT',
        'A request with this Idempotency-Key is still being processed; retry after it finishes.',
        { headers: { 'Retry-After': '1' } },
      );
    if (begun.state === 'mismatch')
      throw problem(
        'IDEMPOTENCY_MISMATCH',
        'This Idempotency-Key was already used with a different method, path or body.',
      );
    if (begun.state === 'completed') {
      // A replay hands out a stored response (it may quote a job's result): audited as a read of it.
      ctx.state.audit = { ...ctx.state.audit, reads: ['idempotency.response'] };
      ctx.status = begun.result.status;
      for (const [name, value] of Object.entries(begun.result.headers)) ctx.set(name, value);
      ctx.body = begun.result.body;
      ctx.set('Idempotent-Replayed', 'true');
      return;
    }
    try {
      await next();
    } catch (error) {
      await deps.idempotency.release(scope, sent).catch(() => undefined);
      throw error;
    }
    const response: StoredResponse = {
      status: ctx.status,
      headers: (ctx.state.replyHeaders as Record<string, string> | undefined) ?? {},
      body: ctx.body,
    };
    try {
      await deps.idempotency.complete(scope, sent, fingerprint, response, deps.config.idempotency.ttl);
    } catch (error) {
      // The handler outlived its claim on the key and a request with another body took the key over: this request's
      // work is done and its answer stands; the key now replays the other request's answer.
      if (!isIdempotencyMismatchError(error)) throw error;
      deps.logger.warn({ scope }, 'Idempotency-Key taken over by a different request while this one ran; not stored');
    }
  };
}
