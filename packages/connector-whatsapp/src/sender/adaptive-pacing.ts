import { AdaptiveAllowance } from './lag.js';
import type { WhatsAppSenderOptions } from './options.js';
import { numberSendCost, type NumberPacing } from './rules.js';

/** A change of the allowance the number is paced by (reported as a `pacing` SenderEvent). */
export interface PacingChange {
  jitterMs: number;
  lagMs: number;
  ratePerSecond: number;
}

/**
 * The sender's side of adaptive pacing: while an {@link AdaptiveAllowance} measures lag, each send takes more than one
 * unit of the number's limiter (see {@link numberSendCost}), so every worker sharing the window paces slower.
 */
export class AdaptivePacing {
  private readonly allowance: AdaptiveAllowance | undefined;
  private current: number;
  private widening = true;

  /** `pacing`: the number's pacing (undefined when the options derive none: then nothing adapts). */
  constructor(
    private readonly pacing: NumberPacing | undefined,
    options: Pick<WhatsAppSenderOptions, 'adaptiveJitter'>,
    private readonly onChange: (change: PacingChange) => void,
  ) {
    this.current = pacing?.jitterMs ?? 0;
    if (pacing && options.adaptiveJitter !== false)
      this.allowance = new AdaptiveAllowance({
        baseMs: pacing.jitterMs,
        ...(options.adaptiveJitter?.maxJitterMs !== undefined ? { maxMs: options.adaptiveJitter.maxJitterMs } : {}),
        ...(options.adaptiveJitter?.holdMs !== undefined ? { holdMs: options.adaptiveJitter.holdMs } : {}),
      });
  }

  /** The jitter allowance the number is paced by now, ms. */
  get allowanceMs(): number {
    return this.current;
  }

  /** Units of the number's limiter one send takes now: 1, or more while the allowance is widened. */
  sendCost(): number {
    if (!this.allowance || !this.pacing || !this.widening) return 1;
    const allowanceMs = this.allowance.allowanceMs();
    if (allowanceMs !== this.current) {
      this.current = allowanceMs;
      this.onChange({
        jitterMs: allowanceMs,
        lagMs: Math.round(this.allowance.lagMs * 10) / 10,
        ratePerSecond: this.pacing.ratePerSecond / numberSendCost(this.pacing, allowanceMs),
      });
    }
    return numberSendCost(this.pacing, allowanceMs);
  }

  /** Stops widening for good (a limiter that cannot take a fractional cost): back to the configured allowance. */
  stopWidening(): void {
    this.widening = false;
    this.current = this.pacing?.jitterMs ?? 0;
  }

  /** Records a request's round trip (an answer, success or Graph error). */
  roundTrip(ms: number): void {
    this.allowance?.roundTrip(ms);
  }

  /** Stops measuring. */
  close(): void {
    this.allowance?.close();
  }
}
