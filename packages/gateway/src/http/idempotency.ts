import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { problem } from '../errors/index.js';
import type { ApiKey } from '../keys/keys.js';
import type { HttpDeps } from './types.js';

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

/**
 * Runs `handler` once per (API key, Idempotency-Key): the first request's response is stored and
 * replayed for the same method, path and body; 409 while the first is in flight; 422 when the key
 * comes back with another request. Follows the IETF httpapi Idempotency-Key draft (an
 * Internet-Draft, not an RFC). Without the header the handler just runs.
 */
export async function withIdempotency(
  ctx: Context,
  deps: HttpDeps,
  key: ApiKey,
  raw: Buffer,
  handler: () => Promise<StoredResponse>,
): Promise<void> {
  const idempotencyKey = readIdempotencyKey(ctx);
  const send = (response: StoredResponse) => {
    ctx.status = response.status;
    for (const [name, value] of Object.entries(response.headers)) ctx.set(name, value);
    ctx.body = response.body;
  };
  if (!idempotencyKey) return send(await handler());
  const scope = `apikey:${key.id}`;
  const fingerprint = createHash('sha256').update(`${ctx.method}\n${ctx.path}\n`).update(raw).digest('hex');
  const begun = await deps.idempotency.begin<StoredResponse>(scope, idempotencyKey, fingerprint, { lockTtlMs: 60_000 });
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
    send(begun.result);
    ctx.set('Idempotent-Replayed', 'true');
    return;
  }
  let response: StoredResponse;
  try {
    response = await handler();
  } catch (error) {
    await deps.idempotency.release(scope, idempotencyKey).catch(() => undefined);
    throw error;
  }
  await deps.idempotency.complete(scope, idempotencyKey, fingerprint, response, deps.config.idempotency.ttl);
  send(response);
}
