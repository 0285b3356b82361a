// How a memory series of the soak grew over its steady part: the "grows by more than 10 %" figure, plus what
// tells a leak (a steady climb) from memory settling at a plateau.

/** One sample of a series: ms since the run started, and a value in bytes. */
export interface Point {
  t: number;
  v: number;
}

/** Growth of a series between `fromMs` and `toMs` (see {@link growthOf}). */
export interface Growth {
  firstMiB: number;
  lastMiB: number;
  /** First fifth of the samples to the last fifth. */
  growthPct: number;
  /** The second half alone (middle fifth to last fifth): a leak grows there as in the first half, a plateau does not. */
  lateGrowthPct: number;
  /** One figure per window, from `fromMs`. */
  perWindowMiB: number[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const pct = (ratio: number) => Math.round((ratio - 1) * 1000) / 10;

/**
 * The growth of `points` between `fromMs` and `toMs`; null with fewer than two samples there. Each fifth (and each
 * window) is summarised by `pick`: the mean, or the least for a series that noise only raises (live memory read after
 * a collection that counted objects allocated while it marked).
 */
export function growthOf(
  points: ReadonlyArray<Point>,
  range: { fromMs: number; toMs: number; windowMs: number },
  pick: (xs: number[]) => number = mean,
): Growth | null {
  const series = points.filter((p) => p.t >= range.fromMs && p.t <= range.toMs);
  if (series.length < 2) return null;
  const n = Math.max(1, Math.floor(series.length / 5));
  const first = pick(series.slice(0, n).map((p) => p.v));
  const middleAt = Math.max(0, Math.floor((series.length - n) / 2));
  const middle = pick(series.slice(middleAt, middleAt + n).map((p) => p.v));
  const last = pick(series.slice(-n).map((p) => p.v));
  const perWindowMiB: number[] = [];
  for (let from = range.fromMs; from < range.toMs; from += range.windowMs) {
    const inWindow = series.filter((p) => p.t >= from && p.t < from + range.windowMs).map((p) => p.v);
    if (inWindow.length) perWindowMiB.push(mib(pick(inWindow)));
  }
  return {
    firstMiB: mib(first),
    lastMiB: mib(last),
    growthPct: pct(last / first),
    lateGrowthPct: pct(last / middle),
    perWindowMiB,
  };
}

/**
 * When a process is warm: the later of the run's warm-up and the first full collection V8 made by itself after the
 * submits began. Before that collection the old generation's size is V8's start-up guess, not one sized to the
 * workload, so the heap (and RSS with it) steps up once when the guess is first reached — minutes in for a process
 * that promotes little, like the API. Without any full collection in the run the warm-up alone counts.
 */
export function warmedAt(fullGcs: ReadonlyArray<{ t: number }>, warmupMs: number): number {
  const first = fullGcs.find((gc) => gc.t >= 0);
  return Math.max(warmupMs, first?.t ?? 0);
}
