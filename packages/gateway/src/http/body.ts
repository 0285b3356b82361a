import type { Context } from 'koa';
import { problem } from '../errors/index.js';
import { jsonDepthExceeds } from './json-depth.js';

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

/**
 * 400 when a JSON body nests arrays and objects deeper than `maxDepth`: such a body parses, but
 * everything that walks it afterwards (validation, redaction, serialisation) would overflow the stack.
 */
export function assertJsonDepth(raw: Uint8Array, maxDepth: number): void {
  if (jsonDepthExceeds(raw, maxDepth))
    throw problem('JSON_TOO_DEEP', `The JSON body nests deeper than ${maxDepth} levels.`, {
      extensions: { maxDepth },
    });
}

/** `application/json` (with parameters) or an `application/*+json` type. */
export const isJsonMediaType = (type: string) => /^application\/([a-z.+-]*\+)?json\s*(;|$)/i.test(type);

/** Parses a JSON body (an empty body is `{}`); 415 for another media type, 400 for bad JSON or JSON nested deeper than `maxDepth`. */
export function parseJson(ctx: Context, raw: Buffer, maxDepth: number): unknown {
  if (!raw.length) return {};
  const type = ctx.get('content-type');
  if (type && !isJsonMediaType(type))
    throw problem('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type} is not supported; send application/json.`);
  assertJsonDepth(raw, maxDepth);
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (cause) {
    throw problem('MALFORMED_JSON', `The body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}
