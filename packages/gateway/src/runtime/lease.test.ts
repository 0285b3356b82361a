import { describe, expect, it } from 'vitest';
import { LeaseKeeper, checkOnRead, isLeaseLostError, type LeaseLostError } from './lease.js';

const lease = { worker: 'w1', token: 't1' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    const { k, lost, renewals } = keeper(async () => true, 300);
    await sleep(450);
    expect(k.holds()).toBe(true);
    expect(lost).toEqual([]);
    expect(renewals.length).toBeGreaterThanOrEqual(2);
    expect(renewals.every((ms) => ms === 300)).toBe(true);
    k.stop();
  });

  it('gives up as soon as a renewal is refused (another claim replaced this one)', async () => {
    const { k, lost } = keeper(async () => false);
    await sleep(60);
    expect(k.holds()).toBe(false);
    expect(lost).toHaveLength(1);
    expect(isLeaseLostError(lost[0])).toBe(true);
    expect(lost[0]!.code).toBe('LEASE_LOST');
    k.stop();
  });

  it('gives up at the deadline when renewals get no answer (database unreachable)', async () => {
    const started = performance.now();
    const { k, lost } = keeper(() => new Promise<boolean>(() => undefined), 300, started);
    await sleep(30);
    expect(k.holds()).toBe(true);
    while (!lost.length && performance.now() - started < 2000) await sleep(5);
    expect(lost).toHaveLength(1);
    // Not before the lease's term less the small safety margin.
    expect(performance.now() - started).toBeGreaterThanOrEqual(300 - 30);
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
