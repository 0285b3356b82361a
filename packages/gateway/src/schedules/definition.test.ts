import { Cron } from 'croner';
import { describe, expect, it, vi } from 'vitest';
import {
  dueFireTimes,
  jitterOf,
  localDate,
  nextFireAfter,
  nextFireTimes,
  renderInput,
  timingProblems,
  type ScheduleTiming,
} from './definition.js';

const cron = (expr: string, timeZone = 'UTC'): ScheduleTiming => ({ cron: expr, every: null, timeZone });
const times = (timing: ScheduleTiming, from: string, n: number) =>
  nextFireTimes(timing, new Date(from), n).map((d) => d.toISOString());

describe('fire times across time zones and DST (croner)', () => {
  it('America/New_York spring-forward: 02:30 does not exist that day and fires once, at 03:00 EDT', () => {
    // 2026-03-08: clocks go 02:00 EST -> 03:00 EDT.
    expect(times(cron('30 2 * * *', 'America/New_York'), '2026-03-07T12:00:00Z', 3)).toEqual([
      '2026-03-08T07:00:00.000Z', // 03:00 EDT, the first instant after the gap
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('America/New_York fall-back: 01:30 happens twice that night and fires once, at the first (EDT)', () => {
    // 2026-11-01: clocks go 02:00 EDT -> 01:00 EST, so 01:30 is 05:30Z and again 06:30Z.
    const fires = times(cron('30 1 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', 3);
    expect(fires).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z', '2026-11-03T06:30:00.000Z']);
    // The scheduler walks from each fire time to the next, so the second 01:30 never comes up.
    const walked = dueFireTimes(
      cron('30 1 * * *', 'America/New_York'),
      new Date('2026-11-01T05:30:00Z'),
      new Date('2026-11-01T12:00:00Z'),
      10,
    );
    expect(walked.times.map((d) => d.toISOString())).toEqual(['2026-11-01T05:30:00.000Z']);
  });

  it('Asia/Kathmandu (+05:45): 07:30 on school days (Sunday to Friday) is 01:45Z', () => {
    // 2026-03-07 is a Saturday: no fire; Sunday 8th onwards.
    expect(times(cron('30 7 * * 0-5', 'Asia/Kathmandu'), '2026-03-06T12:00:00Z', 3)).toEqual([
      '2026-03-08T01:45:00.000Z',
      '2026-03-09T01:45:00.000Z',
      '2026-03-10T01:45:00.000Z',
    ]);
  });

  it('Asia/Tehran (+03:30, no DST since 2022): midnight is 20:30Z the day before', () => {
    expect(times(cron('0 0 * * *', 'Asia/Tehran'), '2026-03-20T12:00:00Z', 3)).toEqual([
      '2026-03-20T20:30:00.000Z',
      '2026-03-21T20:30:00.000Z',
      '2026-03-22T20:30:00.000Z',
    ]);
  });

  it('Australia/Lord_Howe: the 30-minute fall-back repeats 01:30-02:00 and 01:45 fires once', () => {
    // 2026-04-05 02:00 LHDT (+11) -> 01:30 LHST (+10:30): 01:45 is 14:45Z and again 15:15Z.
    expect(times(cron('45 1 * * *', 'Australia/Lord_Howe'), '2026-04-04T00:00:00Z', 2)).toEqual([
      '2026-04-04T14:45:00.000Z',
      '2026-04-05T15:15:00.000Z',
    ]);
  });

  it('Australia/Lord_Howe: the 30-minute spring-forward skips 02:00-02:30 and 02:15 fires once after the gap', () => {
    // 2026-10-04 02:00 LHST (+10:30) -> 02:30 LHDT (+11).
    expect(times(cron('15 2 * * *', 'Australia/Lord_Howe'), '2026-10-03T00:00:00Z', 2)).toEqual([
      '2026-10-03T15:30:00.000Z', // 02:30 LHDT, the first instant after the gap
      '2026-10-04T15:15:00.000Z', // 02:15 LHDT the next day
    ]);
  });

  it('optional seconds, L, W and #', () => {
    expect(times(cron('*/15 * * * * *'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-01T00:00:15.000Z',
      '2026-01-01T00:00:30.000Z',
    ]);
    expect(times(cron('0 0 L * *'), '2026-02-01T00:00:00Z', 1)).toEqual(['2026-02-28T00:00:00.000Z']);
    expect(times(cron('0 9 * * 1#2'), '2026-06-01T00:00:00Z', 1)).toEqual(['2026-06-08T09:00:00.000Z']);
    // 2026-11-15 is a Sunday: the nearest weekday is Monday the 16th.
    expect(times(cron('0 0 15W * *'), '2026-11-01T00:00:00Z', 1)).toEqual(['2026-11-16T00:00:00.000Z']);
  });

  it('intervals fire at multiples since the epoch, the same in every process', () => {
    expect(times({ cron: null, every: 15 * 60_000, timeZone: 'UTC' }, '2026-01-01T00:07:00Z', 2)).toEqual([
      '2026-01-01T00:15:00.000Z',
      '2026-01-01T00:30:00.000Z',
    ]);
  });

  it('reports bad cron, zones and intervals by field', () => {
    expect(timingProblems({ cron: 'bad' }).map((p) => p.path)).toEqual(['cron']);
    expect(timingProblems({ cron: '* * * * *', timeZone: 'Mars/Olympus' }).map((p) => p.path)).toEqual(['timeZone']);
    expect(timingProblems({}).map((p) => p.path)).toEqual(['cron']);
    expect(timingProblems({ cron: '* * * * *', every: 1000 }).map((p) => p.path)).toEqual(['cron']);
    expect(timingProblems({ every: 10 }).map((p) => p.path)).toEqual(['every']);
    expect(timingProblems({ cron: '0 7 * * 1-5', timeZone: 'Asia/Kathmandu' })).toEqual([]);
  });
});

describe('due fire times after an outage', () => {
  it('lists the most recent ones and counts the rest', () => {
    const walk = dueFireTimes(
      cron('* * * * * *'),
      new Date('2026-01-01T00:00:01Z'),
      new Date('2026-01-01T00:10:00Z'),
      5,
    );
    expect(walk.times.map((d) => d.toISOString())).toEqual([
      '2026-01-01T00:09:56.000Z',
      '2026-01-01T00:09:57.000Z',
      '2026-01-01T00:09:58.000Z',
      '2026-01-01T00:09:59.000Z',
      '2026-01-01T00:10:00.000Z',
    ]);
    expect(walk.omitted).toBe(595);
    expect(walk.next?.toISOString()).toBe('2026-01-01T00:10:01.000Z');
  });

  it('summarises a very long outage without walking every fire time', () => {
    const started = performance.now();
    const walk = dueFireTimes(
      cron('* * * * * *'),
      new Date('2026-01-01T00:00:00Z'),
      new Date('2026-01-08T00:00:00Z'),
      3,
    );
    expect(walk.times.map((d) => d.toISOString())).toEqual([
      '2026-01-07T23:59:58.000Z',
      '2026-01-07T23:59:59.000Z',
      '2026-01-08T00:00:00.000Z',
    ]);
    expect(walk.omitted).toBeGreaterThan(5_000);
    expect(walk.next?.toISOString()).toBe('2026-01-08T00:00:01.000Z');
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('jitter and input templates', () => {
  it('jitter is stable per (schedule, fire time) and within bounds', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(jitterOf('a', at, 30_000)).toBe(jitterOf('a', at, 30_000));
    const spread = new Set(Array.from({ length: 50 }, (_, i) => jitterOf(`s${i}`, at, 30_000)));
    expect(spread.size).toBeGreaterThan(40);
    for (const j of spread) expect(j).toBeGreaterThanOrEqual(0);
    for (const j of spread) expect(j).toBeLessThanOrEqual(30_000);
    expect(jitterOf('a', at, 0)).toBe(0);
  });

  it('fills {{fireAt}} and {{fireDate}} (local date in the zone)', () => {
    const at = new Date('2026-03-08T20:00:00Z'); // already the 9th in Kathmandu
    expect(localDate(at, 'Asia/Kathmandu')).toBe('2026-03-09');
    expect(renderInput({ id: 'notice-{{fireDate}}', list: ['{{fireAt}}', 3] }, at, 'Asia/Kathmandu')).toEqual({
      id: 'notice-2026-03-09',
      list: ['2026-03-08T20:00:00.000Z', 3],
    });
  });
});

describe('the cost of a pass over many schedules sharing a cron', () => {
  it('asks croner once per (zone, cron, instant), however many schedules ask', () => {
    // 1,000 one-second schedules due at the same second used to cost 1,000 croner walks (~50-100 µs each) per pass.
    const spy = vi.spyOn(Cron.prototype, 'nextRun');
    try {
      const timing = cron('*/7 * * * * *', 'Asia/Kathmandu');
      const at = new Date('2026-09-01T03:00:01.000Z');
      const answers = Array.from({ length: 1000 }, () => nextFireAfter(timing, at));
      expect(spy).toHaveBeenCalledTimes(1);
      expect(new Set(answers.map((d) => d!.toISOString()))).toEqual(new Set(['2026-09-01T03:00:07.000Z']));
      // Each caller gets its own Date: one changing it changes no other answer.
      answers[0]!.setTime(0);
      expect(nextFireAfter(timing, at)!.toISOString()).toBe('2026-09-01T03:00:07.000Z');
    } finally {
      spy.mockRestore();
    }
  });
});
