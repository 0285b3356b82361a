import { describe, expect, it } from 'vitest';
import { growthOf, type Point, warmedAt } from './growth.js';

const MiB = 2 ** 20;
const range = { fromMs: 60_000, toMs: 660_000, windowMs: 60_000 };
/** One sample every 2 s over the whole run, from `value(t)`. */
const series = (value: (t: number) => number): Point[] =>
  Array.from({ length: 331 }, (_, i) => ({ t: i * 2000, v: value(i * 2000) }));

describe('growthOf', () => {
  it('tells a leak (a steady climb) from a heap that steps up once and stays', () => {
    const leak = growthOf(
      series((t) => (100 + (t / 600_000) * 30) * MiB),
      range,
    )!;
    const plateau = growthOf(
      series((t) => (t < 240_000 ? 100 : 125) * MiB),
      range,
    )!;
    expect(leak.growthPct).toBeGreaterThan(15);
    expect(leak.lateGrowthPct).toBeGreaterThan(5);
    expect(plateau.growthPct).toBeGreaterThan(15);
    expect(plateau.lateGrowthPct).toBe(0);
  });

  it('counts only the steady part, one figure per window', () => {
    const g = growthOf(
      series((t) => (t < 60_000 ? 500 : 100) * MiB),
      range,
    )!;
    expect(g.growthPct).toBe(0);
    expect(g.perWindowMiB).toEqual(Array(10).fill(100));
  });

  it('summarises by the least value when asked, for a series noise only raises', () => {
    const noisy = series((t) => (40 + (Math.floor(t / 2000) % 3 === 0 ? 10 : 0)) * MiB);
    expect(growthOf(noisy, range, (xs) => Math.min(...xs))!.perWindowMiB).toEqual(Array(10).fill(40));
  });

  it('is null with fewer than two samples in the steady part', () => {
    expect(growthOf([{ t: 70_000, v: MiB }], range)).toBeNull();
  });
});

describe('warmedAt', () => {
  it('waits for the first full collection when it comes after the warm-up', () => {
    expect(warmedAt([{ t: 480_000 }, { t: 900_000 }], 120_000)).toBe(480_000);
  });

  it('is the warm-up when a full collection came before it, or none came at all', () => {
    expect(warmedAt([{ t: 5_000 }, { t: 10_000 }], 120_000)).toBe(120_000);
    expect(warmedAt([], 120_000)).toBe(120_000);
  });
});
