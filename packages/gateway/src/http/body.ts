import type { Context } from 'koa';
import { problem } from '../errors/index.js';

/**
 * Reads the request body as raw bytes, refusing more than `limit` bytes with 413 before buffering it
 * all. Webhook verifiers get exactly these bytes; JSON routes parse them afterwards.
 */
export async function readRawBody(ctx: Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || NaN);
  if (Number.isFinite(declared) && declared > limit)
    throw problem('PAYLOAD_TOO_LARGE', `The body is ${declared} bytes; the limit is ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      ctx.req.resume();
      throw problem('PAYLOAD_TOO_LARGE', `The body exceeds the limit of ${limit} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON body (an empty body is `{}`); 415 for another media type, 400 for bad JSON. */
export function parseJson(ctx: Context, raw: Buffer): unknown {
  if (!raw.length) return {};
  const type = ctx.get('content-type');
  if (type && !/^application\/([a-z.+-]*\+)?json\b/i.test(type))
    throw problem('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type} is not supported; send application/json.`);
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (cause) {
    throw problem('MALFORMED_JSON', `The body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}
