import { afterEach, describe, expect, it, vi } from 'vitest';
import { LeaseKeeper, checkOnRead, isLeaseLostError, type LeaseLostError } from './lease.js';

const lease = { worker: 'w1', token: 't1' };
// The keeper's clock (performance.now) and its timers, faked: time passes when a test says so, however busy the
// machine is.
const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
afterEach(() => {
  vi.useRealTimers();
});

function keeper(heartbeat: () => Promise<boolean>, leaseMs = 90, claimedAt = performance.now()) {
  const lost: LeaseLostError[] = [];
  const renewals: number[] = [];
  const k = new LeaseKeeper({
    store: {
      heartbeat: async (_id, _holder, ms) => {
        renewals.push(ms);
        return heartbeat();
      },
    },
    jobId: 'job_1',
    lease,
    leaseMs,
    claimedAt,
    onLost: (e) => lost.push(e),
  });
  return { k, lost, renewals };
}

describe('LeaseKeeper', () => {
  it('keeps renewing while the attempt runs, and the lease stays held past its first term', async () => {
    fakeClock();
    const { k, lost, renewals } = keeper(async () => true, 300);
    await vi.advanceTimersByTimeAsync(450);
    expect(k.holds()).toBe(true);
    expect(lost).toEqual([]);
    expect(renewals.length).toBeGreaterThanOrEqual(2);
    expect(renewals.every((ms) => ms === 300)).toBe(true);
    k.stop();
  });

  it('gives up as soon as a renewal is refused (another claim replaced this one)', async () => {
    fakeClock();
    const { k, lost } = keeper(async () => false);
    await vi.advanceTimersByTimeAsync(60);
    expect(k.holds()).toBe(false);
    expect(lost).toHaveLength(1);
    expect(isLeaseLostError(lost[0])).toBe(true);
    expect(lost[0]!.code).toBe('LEASE_LOST');
    k.stop();
  });

  it('gives up at the deadline when renewals get no answer (database unreachable)', async () => {
    fakeClock();
    const started = performance.now();
    const { k, lost } = keeper(() => new Promise<boolean>(() => undefined), 300, started);
    await vi.advanceTimersByTimeAsync(30);
    expect(k.holds()).toBe(true);
    // At the lease's term less the small safety margin (30 ms of 300), not before.
    await vi.advanceTimersByTimeAsync(300 - 30 - 30 - 1);
    expect(lost).toEqual([]);
    expect(k.holds()).toBe(true);
    await vi.advanceTimersByTimeAsync(2);
    expect(lost).toHaveLength(1);
    expect(k.holds()).toBe(false);
    k.stop();
  });

  it('knows the lease ran out even when its timers could not run (the event loop was blocked)', () => {
    const { k, lost } = keeper(async () => true, 50);
    const until = performance.now() + 70;
    while (performance.now() < until) {
      /* a stall: nothing else runs */
    }
    // No timer has fired yet; the check on the local clock still refuses.
    expect(k.holds()).toBe(false);
    expect(lost).toHaveLength(1);
    k.stop();
  });

  it('counts the lease from when the claim was sent, not from when the answer arrived', () => {
    const { k } = keeper(async () => true, 100, performance.now() - 100);
    expect(k.holds()).toBe(false);
    k.stop();
  });

  it('checkOnRead: reading signal.aborted runs the check first, which may abort it', () => {
    const controller = new AbortController();
    let lapsed = false;
    const signal = checkOnRead(controller.signal, () => {
      if (lapsed) controller.abort(new Error('lease lost'));
    });
    expect(signal.aborted).toBe(false);
    lapsed = true;
    expect(signal.aborted).toBe(true);
    expect(() => signal.throwIfAborted()).toThrow('lease lost');
  });
});
