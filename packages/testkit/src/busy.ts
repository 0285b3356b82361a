import { availableParallelism, loadavg } from 'node:os';

/**
 * True when the machine runs far more than it has cores (1-minute load average over `factor` × cores, default 3).
 * Tests use it for one thing only: a *speed* bound (a rate not below X, a run not slower than Y) is asserted on a
 * machine that can keep it and reported on one that cannot; safety bounds (never over a limit, nothing lost) are
 * asserted always. Speed itself is measured by the benches, side by side, not by tests.
 */
export function machineIsBusy(factor = 3): boolean {
  return loadavg()[0]! > factor * availableParallelism();
}

/**
 * Asserts a speed bound with `check` unless {@link machineIsBusy}; on a busy machine it says on stderr what it
 * left unchecked, with the figure, so a run on an oversubscribed machine is not silently weaker.
 */
export function expectSpeedUnlessBusy(what: string, figure: string, check: () => void): void {
  if (!machineIsBusy()) {
    check();
    return;
  }
  const [load] = loadavg();
  process.stderr.write(
    `testkit: speed bound "${what}" not asserted: load ${load!.toFixed(1)} on ${availableParallelism()} cores (measured: ${figure})\n`,
  );
}
