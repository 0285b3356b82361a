import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import { z } from 'zod';
import { parseDuration } from '../util/duration.js';

const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. 500ms, 5s, 1m, 24h)` });
    return z.NEVER;
  }
  return ms;
});

/** True when `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** What to do with a fire while the schedule's previous job is still queued or running. */
export const OVERLAP = ['skip', 'queue', 'allow'] as const;
/** What to do with fires found later than `grace` (the scheduler was down). */
export const MISSED = ['skip', 'once', 'catch-up'] as const;

/**
 * The policies of a schedule, all optional. Shared by the configuration file and the operator API.
 * Durations are ms after parsing (`5s`, `10m` or a number).
 */
export const schedulePolicyFields = {
  /** `skip` (default): no new job while the last one is queued or running; `queue`: hold one fire until it ends; `allow`: always fire. */
  overlap: z.enum(OVERLAP).optional(),
  /** Fires more than `grace` late: `skip` them, run `once` for all of them (default), or `catch-up` up to `catchUpLimit`. */
  missed: z.enum(MISSED).optional(),
  catchUpLimit: z.number().int().min(1).max(1000).optional(),
  /** How late a fire may be found and still count as on time (default 1 minute). */
  grace: duration.optional(),
  /** Each fire is delayed by a stable pseudo-random 0..jitter, spreading schedules that share a cron. */
  jitter: duration.optional(),
  /** A fire that cannot start its job within this long of its time is dropped and recorded as `expired`. */
  deadline: duration.optional(),
};

/** The fields that say when a schedule fires. */
export const scheduleTimingFields = {
  /** Five- or six-field cron (seconds optional); `L`, `W`, `#` and `?` as croner reads them. */
  cron: z.string().min(1).max(200).optional(),
  /** Fixed interval instead of a cron: fires at every multiple of it since the Unix epoch. */
  every: duration.optional(),
  /** IANA time zone the cron is read in (default UTC). */
  timeZone: z.string().optional(),
};

/** A schedule in the configuration file (under `instances.<name>.schedules.<schedule>`). */
export const configScheduleSchema = z.strictObject({
  /** The instance's operation to run; may be left out only to override a connector-declared schedule of the same name. */
  operation: z.string().min(1).optional(),
  input: z.unknown().optional(),
  ...scheduleTimingFields,
  ...schedulePolicyFields,
  /** `false` switches the schedule off (e.g. a connector-declared one) without deleting it. */
  enabled: z.boolean().default(true),
  description: z.string().optional(),
});

/** The schedule policies after defaults. */
export interface SchedulePolicy {
  overlap: (typeof OVERLAP)[number];
  missed: (typeof MISSED)[number];
  catchUpLimit: number;
  grace: number;
  jitter: number;
  /** 0: no deadline. */
  deadline: number;
}

/** When a schedule fires. */
export interface ScheduleTiming {
  cron: string | null;
  every: number | null;
  timeZone: string;
}

/** Fills in the policy defaults. */
export function policyOf(input: Partial<Record<keyof SchedulePolicy, unknown>>): SchedulePolicy {
  return {
    overlap: (input.overlap as SchedulePolicy['overlap']) ?? 'skip',
    missed: (input.missed as SchedulePolicy['missed']) ?? 'once',
    catchUpLimit: (input.catchUpLimit as number) ?? 10,
    grace: (input.grace as number) ?? 60_000,
    jitter: (input.jitter as number) ?? 0,
    deadline: (input.deadline as number) ?? 0,
  };
}

/**
 * Checks a timing: exactly one of cron and every, a known time zone, a cron croner reads. Returns the
 * problems as `{ path, message }` (empty when valid).
 */
export function timingProblems(timing: {
  cron?: string | null | undefined;
  every?: number | null | undefined;
  timeZone?: string | null | undefined;
}): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  if (!timing.cron === !timing.every)
    problems.push({ path: 'cron', message: 'give exactly one of "cron" and "every"' });
  if (timing.every !== undefined && timing.every !== null && timing.every < 1000)
    problems.push({ path: 'every', message: 'the shortest interval is 1s' });
  if (timing.timeZone && !isTimeZone(timing.timeZone))
    problems.push({ path: 'timeZone', message: `"${timing.timeZone}" is not an IANA time zone` });
  if (timing.cron && !problems.some((p) => p.path === 'timeZone')) {
    try {
      cronOf({ cron: timing.cron, every: null, timeZone: timing.timeZone ?? 'UTC' });
    } catch (error) {
      problems.push({ path: 'cron', message: (error as Error).message });
    }
  }
  return problems;
}

const crons = new Map<string, Cron>();
/** Answers of {@link nextFireAfter} for crons: (zone, cron, instant) → the next fire time (ms) or null. */
const nextRuns = new Map<string, number | null>();
/** Fire times walked one by one before a long outage is summarised (its count is then a lower bound). */
const MAX_WALK = 5_000;

/** A paused croner object used only to compute fire times (cached: croner parses once). */
function cronOf(timing: ScheduleTiming): Cron {
  const key = `${timing.timeZone}\u0000${timing.cron}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(timing.cron!, { timezone: timing.timeZone, paused: true });
    if (crons.size > 10_000) crons.clear();
    crons.set(key, cron);
  }
  return cron;
}

/**
 * The first fire time strictly after `after`. DST, as croner computes it: a wall-clock time skipped by
 * a spring-forward fires once at the first instant after the gap (02:30 on the New York spring-forward
 * day fires at 03:00 EDT); a wall-clock time repeated by a fall-back fires once, at its first occurrence.
 */
export function nextFireAfter(timing: ScheduleTiming, after: Date): Date | null {
  if (timing.every) {
    const k = Math.floor(after.getTime() / timing.every) + 1;
    return new Date(k * timing.every);
  }
  // Many schedules share a cron and are due at the same instants (every one-second schedule at each second): a
  // pass over them asks croner the same question thousands of times, each ~50-100 µs. The answer depends only on
  // (zone, cron, instant), so it is remembered.
  const key = `${timing.timeZone}\u0000${timing.cron}\u0000${after.getTime()}`;
  const known = nextRuns.get(key);
  if (known !== undefined) return known === null ? null : new Date(known);
  const next = cronOf(timing).nextRun(after);
  if (nextRuns.size > 50_000) nextRuns.clear();
  nextRuns.set(key, next ? next.getTime() : null);
  return next;
}

/** The next `count` fire times after `after`. */
export function nextFireTimes(timing: ScheduleTiming, after: Date, count: number): Date[] {
  const out: Date[] = [];
  let cursor = after;
  while (out.length < count) {
    const next = nextFireAfter(timing, cursor);
    if (!next) break;
    out.push(next);
    cursor = next;
  }
  return out;
}

/**
 * Fire times from `first` (inclusive, itself a fire time) up to `until` (inclusive), at most `limit`
 * of the most recent ones plus how many earlier ones there were (counted, not listed).
 */
export function dueFireTimes(
  timing: ScheduleTiming,
  first: Date,
  until: Date,
  limit: number,
): { times: Date[]; omitted: number; next: Date | null } {
  const times: Date[] = [];
  let omitted = 0;
  let cursor: Date | null = first;
  if (timing.every && until.getTime() - first.getTime() > limit * timing.every) {
    // Long downtime on a short interval: skip the arithmetic walk.
    const total = Math.floor((until.getTime() - first.getTime()) / timing.every) + 1;
    omitted = total - limit;
    cursor = new Date(first.getTime() + omitted * timing.every);
  }
  let steps = 0;
  while (cursor && cursor.getTime() <= until.getTime()) {
    if (++steps > MAX_WALK && timing.cron) {
      // A very long outage on a frequent cron: take the most recent fire times straight from croner.
      const recent = cronOf(timing)
        .previousRuns(limit, new Date(until.getTime() + 1))
        .reverse()
        .filter((t) => t.getTime() > times[times.length - 1]!.getTime());
      const kept = [...times, ...recent].slice(-limit);
      return { times: kept, omitted: Math.max(1, omitted + steps - kept.length), next: nextFireAfter(timing, until) };
    }
    times.push(cursor);
    if (times.length > limit) {
      times.shift();
      omitted++;
    }
    cursor = nextFireAfter(timing, cursor);
  }
  return { times, omitted, next: cursor };
}

/** The stable jitter of one fire: the same in every process, 0..jitter ms. */
export function jitterOf(scheduleId: string, fireAt: Date, jitter: number): number {
  if (jitter <= 0) return 0;
  const h = createHash('sha256').update(`${scheduleId}@${fireAt.toISOString()}`).digest();
  return h.readUInt32BE(0) % (jitter + 1);
}

/** The calendar date of `at` in `timeZone`, as YYYY-MM-DD (Intl does the zone arithmetic). */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * Fills `{{fireAt}}` (ISO 8601 UTC) and `{{fireDate}}` (the local date in the schedule's zone) in the
 * input's strings, so each fire can carry its own key (e.g. a broadcast id per school day).
 */
export function renderInput(input: unknown, fireAt: Date, timeZone: string): unknown {
  const fill = (s: string) =>
    s.includes('{{')
      ? s.replaceAll('{{fireAt}}', fireAt.toISOString()).replaceAll('{{fireDate}}', localDate(fireAt, timeZone))
      : s;
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return fill(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(input);
}
