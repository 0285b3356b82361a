import { ValidationError } from '@relaykit/sdk-core';

/** Wall-clock parts of an instant in a time zone. */
export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch (cause) {
      throw new ValidationError(
        `Unknown IANA time zone ${JSON.stringify(timeZone)}`,
        [{ path: ['timeZone'], message: 'not an IANA time zone' }],
        { cause },
      );
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time of `date` in `timeZone` (e.g. `Asia/Kathmandu`). */
export function zonedParts(date: Date, timeZone: string): ZonedParts {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(date)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour!,
    minute: out.minute!,
    second: out.second!,
  };
}

/** Offset of `timeZone` from UTC at `date`, in minutes (Asia/Kathmandu: +345). */
export function timeZoneOffsetMinutes(date: Date, timeZone: string): number {
  const p = zonedParts(date, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The instant at which the wall clock in `timeZone` reads `local` (`YYYY-MM-DDTHH:mm[:ss]`) —
 * for scheduling "tomorrow 08:00 in Kathmandu". In a DST gap the later offset is used.
 */
export function zonedTimeToUtc(local: string, timeZone: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m)
    throw new ValidationError(`Invalid local date-time ${JSON.stringify(local)}: expected YYYY-MM-DDTHH:mm`, [
      { path: ['at'], message: 'expected YYYY-MM-DDTHH:mm' },
    ]);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  let guess = wall - timeZoneOffsetMinutes(new Date(wall), timeZone) * 60_000;
  guess = wall - timeZoneOffsetMinutes(new Date(guess), timeZone) * 60_000;
  return new Date(guess);
}

/** Hours during which nothing is sent, read in `timeZone`; `start` may be after `end` (overnight). */
export interface QuietHours {
  /** `HH:mm`, e.g. `21:00`. */
  start: string;
  /** `HH:mm`, e.g. `07:00`. */
  end: string;
  /** IANA time zone, e.g. `Asia/Kathmandu`. */
  timeZone: string;
}

const minutesOf = (hhmm: string): number => {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59)
    throw new ValidationError(`Invalid time ${JSON.stringify(hhmm)}: expected HH:mm`, [
      { path: ['quietHours'], message: 'expected HH:mm' },
    ]);
  return Number(m[1]) * 60 + Number(m[2]);
};

/** True when `date` falls inside the quiet hours. */
export function isQuietTime(quiet: QuietHours, date = new Date()): boolean {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const p = zonedParts(date, quiet.timeZone);
  const now = p.hour * 60 + p.minute;
  if (start === end) return false;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** `date` itself when sending is allowed then, else the instant the quiet hours end. */
export function nextAllowedTime(quiet: QuietHours, date = new Date()): Date {
  if (!isQuietTime(quiet, date)) return date;
  const p = zonedParts(date, quiet.timeZone);
  const end = minutesOf(quiet.end);
  const nowMin = p.hour * 60 + p.minute;
  // The end is later today unless we are past it on the wall clock (overnight quiet hours before midnight).
  const dayShift = nowMin < end ? 0 : 1;
  const day = new Date(Date.UTC(p.year, p.month - 1, p.day + dayShift));
  const pad = (n: number) => String(n).padStart(2, '0');
  return zonedTimeToUtc(
    `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}T${quiet.end}`,
    quiet.timeZone,
  );
}
