import type { Context, Next } from 'koa';
import { isValidationError, type Logger } from '@relaykit/sdk-core';
import { GatewayHttpError, PROBLEM_CODES, isGatewayHttpError, problem } from '../errors/index.js';
import { isDatabaseUnavailable } from '../store/unavailable.js';

/** Media type of RFC 9457 problem documents. */
export const PROBLEM_JSON = 'application/problem+json';

/** The problem document for `error` as served at `instance`. */
export function problemBody(error: GatewayHttpError, instance: string): Record<string, unknown> {
  return {
    type: `/docs#problem-${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    instance,
    code: error.code,
    ...error.extensions,
  };
}

/** Sends `error` as problem+json. */
export function sendProblem(ctx: Context, error: GatewayHttpError): void {
  ctx.status = error.status;
  for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
  ctx.type = PROBLEM_JSON;
  ctx.body = problemBody(error, `${ctx.path}#${String(ctx.state.requestId ?? '')}`);
}

/**
 * Turns every error into problem+json: our own problems as they are, validation errors as 400 with
 * each field, client errors Koa raised (bad URL encoding, ...) with their status, an unreachable
 * database as 503 with `Retry-After`, and anything else as a 500 whose details go to the log only. Unknown routes end as 404 in the same shape.
 */
export function problemMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined)
        throw problem('NOT_FOUND', `No route for ${ctx.method} ${ctx.path}.`);
      if (ctx.status === 405 && (ctx.body === undefined || typeof ctx.body === 'string'))
        throw problem(
          'METHOD_NOT_ALLOWED',
          `${ctx.method} is not allowed on ${ctx.path}; allowed: ${ctx.response.get('Allow')}.`,
        );
    } catch (error) {
      if (isGatewayHttpError(error)) return sendProblem(ctx, error);
      if (isValidationError(error)) {
        return sendProblem(
          ctx,
          problem('VALIDATION', error.message, {
            extensions: { errors: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
          }),
        );
      }
      const status = (error as { status?: number; expose?: boolean }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 404 ? 'NOT_FOUND' : 'VALIDATION';
        return sendProblem(
          ctx,
          new GatewayHttpError(status, code, PROBLEM_CODES[code]!.title, (error as Error).message),
        );
      }
      if (isDatabaseUnavailable(error)) {
        // An outage, not a bug: the client may retry (the job, if any, was not recorded).
        logger.warn({ err: String((error as Error)?.message), requestId: ctx.state.requestId }, 'database unreachable');
        return sendProblem(
          ctx,
          problem('UNAVAILABLE', 'The database is unreachable; nothing was recorded. Retry shortly.', {
            headers: { 'Retry-After': '2' },
          }),
        );
      }
      logger.error(
        {
          err: { message: (error as Error)?.message, name: (error as Error)?.name },
          requestId: ctx.state.requestId,
          path: ctx.path,
        },
        'request failed',
      );
      return sendProblem(ctx, problem('INTERNAL', 'The gateway failed to handle this request.'));
    }
  };
}
