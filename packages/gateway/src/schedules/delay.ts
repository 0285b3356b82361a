import { problem } from '../errors/index.js';
import { parseDuration } from '../util/duration.js';

/** The longest a job may be delayed (a year): beyond that, a schedule is the better tool. */
export const MAX_DELAY_MS = 366 * 86_400_000;

/**
 * Reads `?runAt=<ISO 8601 with offset>` or `?delay=<duration>` of a job submission; undefined when
 * neither is given or the time is not in the future. 400 (VALIDATION) for an unreadable value, both at
 * once, or more than {@link MAX_DELAY_MS} ahead.
 */
export function readRunAt(query: Record<string, unknown>, now = Date.now()): Date | undefined {
  const { runAt, delay } = query;
  if (runAt === undefined && delay === undefined) return undefined;
  const bad = (path: string, message: string) =>
    problem('VALIDATION', `${path}: ${message}`, { extensions: { errors: [{ path, message }] } });
  if (runAt !== undefined && delay !== undefined) throw bad('query.runAt', 'give runAt or delay, not both');
  let at: number;
  if (runAt !== undefined) {
    if (typeof runAt !== 'string' || !/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(runAt))
      throw bad('query.runAt', 'not an ISO 8601 date-time with an offset (e.g. 2026-05-01T07:30:00+05:45)');
    at = Date.parse(runAt);
    if (Number.isNaN(at)) throw bad('query.runAt', 'not a valid date-time');
  } else {
    const ms = typeof delay === 'string' ? parseDuration(delay) : undefined;
    if (ms === undefined) throw bad('query.delay', 'not a duration (e.g. 30s, 15m, 2h)');
    at = now + ms;
  }
  if (at - now > MAX_DELAY_MS) throw bad(runAt !== undefined ? 'query.runAt' : 'query.delay', 'more than a year ahead');
  return at > now ? new Date(at) : undefined;
}
