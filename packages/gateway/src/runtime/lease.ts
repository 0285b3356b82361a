import { RelaykitError, isRelaykitError, type RelaykitErrorOptions } from '@relaykit/sdk-core';
import type { JobStore, Lease } from '../store/job-store.js';

/** This worker no longer holds the job: its lease ran out or another claim replaced it. */
export class LeaseLostError extends RelaykitError {
  /** Brand checked by {@link isLeaseLostError}. */
  public readonly isLeaseLostError = true;
  constructor(message: string, options: RelaykitErrorOptions = {}) {
    super('LEASE_LOST', message, options);
    this.name = 'LeaseLostError';
  }
}

/** True for a {@link LeaseLostError} from any package copy. */
export function isLeaseLostError(error: unknown): error is LeaseLostError {
  return isRelaykitError(error) && (error as { isLeaseLostError?: unknown }).isLeaseLostError === true;
}

const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;

/**
 * Makes every read of `signal.aborted` run `check` first. Code about to call an upstream checks its signal
 * (fetch, undici, sdk-core's transport, `throwIfAborted`); with this, a lease that lapsed while the process was
 * frozen aborts the signal at that very read — even when, on waking, the I/O callback resuming the operation runs
 * before the lease timer has had its turn.
 */
export function checkOnRead(signal: AbortSignal, check: () => void): AbortSignal {
  Object.defineProperty(signal, 'aborted', {
    configurable: true,
    get() {
      check();
      return abortedGetter.call(signal) as boolean;
    },
  });
  return signal;
}

/** Options of {@link LeaseKeeper}. */
export interface LeaseKeeperOptions {
  store: Pick<JobStore, 'heartbeat'>;
  jobId: string;
  lease: Lease;
  leaseMs: number;
  /** `performance.now()` when the claim was sent: the lease cannot have started earlier. */
  claimedAt: number;
  /** Called once, when the lease is known or presumed lost. */
  onLost: (error: LeaseLostError) => void;
}

/**
 * Keeps a claimed job's lease while it runs, and gives it up in time. Another worker may claim the
 * job once the database's `lease_until` passes, which is at least `leaseMs` after the claim was sent;
 * this keeper counts that same time on the local monotonic clock (no clock-skew exposure) and calls
 * `onLost` when it runs out without a renewal — before a takeover becomes possible — or as soon as a
 * renewal is refused (another claim replaced ours). Renewals go out every third of the lease.
 */
export class LeaseKeeper {
  private deadline: number;
  private nextRenewal: number;
  private lost: LeaseLostError | undefined;
  private readonly margin: number;
  private readonly every: number;
  // One timer per running job, due at the next renewal or the deadline, whichever comes first.
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: LeaseKeeperOptions) {
    // Slack for clock-rate differences and the few steps between a check and a send: give up a little
    // before the database would.
    this.margin = Math.min(50, options.leaseMs / 10);
    this.every = Math.max(10, options.leaseMs / 3);
    this.deadline = options.claimedAt + options.leaseMs - this.margin;
    this.nextRenewal = options.claimedAt + this.every;
    this.arm();
  }

  /** True while the lease is certainly ours (checked on the local clock, no round trip). */
  holds(): boolean {
    this.check();
    return !this.lost;
  }

  /** Why the lease was lost, if it was. */
  get reason(): LeaseLostError | undefined {
    this.check();
    return this.lost;
  }

  /** Stops renewing (the attempt is over). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private check(): void {
    if (!this.lost && !this.stopped && performance.now() >= this.deadline) {
      this.lose(
        `the lease of job ${this.options.jobId} ran out before it was renewed (the worker stalled or the database was unreachable for ${this.options.leaseMs} ms); another worker may take it over`,
      );
    }
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.stopped || this.lost) return;
    this.timer = setTimeout(
      () => this.tick(),
      Math.max(1, Math.min(this.nextRenewal, this.deadline) - performance.now()),
    );
    this.timer.unref();
  }

  private tick(): void {
    this.check();
    if (this.lost || this.stopped) return;
    const now = performance.now();
    if (now >= this.nextRenewal) {
      this.nextRenewal = now + this.every;
      void this.renew(now);
    }
    this.arm();
  }

  private async renew(sentAt: number): Promise<void> {
    let renewed: boolean;
    try {
      renewed = await this.options.store.heartbeat(this.options.jobId, this.options.lease, this.options.leaseMs);
    } catch {
      return; // Unknown outcome: the deadline decides.
    }
    if (this.stopped || this.lost) return;
    if (!renewed) {
      this.lose(
        `job ${this.options.jobId} is no longer held by this worker (its lease expired or another worker took it over)`,
      );
      return;
    }
    this.deadline = Math.max(this.deadline, sentAt + this.options.leaseMs - this.margin);
    this.arm();
  }

  private lose(message: string): void {
    if (this.lost) return;
    this.lost = new LeaseLostError(message);
    clearTimeout(this.timer);
    this.options.onLost(this.lost);
  }
}
