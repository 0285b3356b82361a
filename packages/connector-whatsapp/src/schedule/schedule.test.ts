import { describe, expect, it } from 'vitest';
import { isQuietTime, nextAllowedTime, timeZoneOffsetMinutes, zonedParts, zonedTimeToUtc } from './index.js';

const KTM = 'Asia/Kathmandu';

describe('time zones and quiet hours', () => {
  it('knows Kathmandu is UTC+5:45', () => {
    expect(timeZoneOffsetMinutes(new Date('2026-11-22T00:00:00Z'), KTM)).toBe(345);
    expect(zonedTimeToUtc('2026-11-23T08:00', KTM).toISOString()).toBe('2026-11-23T02:15:00.000Z');
    expect(zonedParts(new Date('2026-11-22T18:14:00Z'), KTM)).toMatchObject({ day: 22, hour: 23, minute: 59 });
    expect(zonedParts(new Date('2026-11-22T18:15:00Z'), KTM)).toMatchObject({ day: 23, hour: 0, minute: 0 });
  });

  it('follows DST where there is one', () => {
    expect(zonedTimeToUtc('2026-07-01T09:00', 'Europe/London').toISOString()).toBe('2026-07-01T08:00:00.000Z');
    expect(zonedTimeToUtc('2026-12-01T09:00', 'Europe/London').toISOString()).toBe('2026-12-01T09:00:00.000Z');
  });

  it('holds overnight quiet hours and says when they end', () => {
    const quiet = { start: '21:00', end: '07:00', timeZone: KTM };
    expect(isQuietTime(quiet, zonedTimeToUtc('2026-11-22T20:59', KTM))).toBe(false);
    expect(isQuietTime(quiet, zonedTimeToUtc('2026-11-22T21:00', KTM))).toBe(true);
    expect(isQuietTime(quiet, zonedTimeToUtc('2026-11-23T06:59', KTM))).toBe(true);
    expect(nextAllowedTime(quiet, zonedTimeToUtc('2026-11-22T22:30', KTM)).toISOString()).toBe(
      zonedTimeToUtc('2026-11-23T07:00', KTM).toISOString(),
    );
    expect(nextAllowedTime(quiet, zonedTimeToUtc('2026-11-23T03:10', KTM)).toISOString()).toBe(
      '2026-11-23T01:15:00.000Z',
    );
    const noon = zonedTimeToUtc('2026-11-23T12:00', KTM);
    expect(nextAllowedTime(quiet, noon)).toBe(noon);
    expect(() => isQuietTime({ ...quiet, timeZone: 'Mars/Olympus' })).toThrow(/IANA/);
  });
});
