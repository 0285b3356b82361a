/**
 * What to do with a failed attempt. Each connector supplies a classifier mapping its upstream's
 * errors to one of these; the policy acts on it.
 */
export type RetryDecision =
  | { action: 'retry' }
  | { action: 'retry_after'; delayMs: number }
  | { action: 'reauthenticate' }
  | { action: 'fatal' };

/** Context given to a classifier. */
export interface ClassifyContext {
  attempt: number;
  /** Whether the request may be replayed (idempotent method or marked safe). */
  idempotent: boolean;
}

/** Maps an error to a {@link RetryDecision}. Return undefined to fall back to the default classifier. */
export type ErrorClassifier = (error: unknown, context: ClassifyContext) => RetryDecision | undefined;

/** What a policy hands to each attempt of the work it runs. */
export interface AttemptContext {
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /** Aborts on the policy's timeout or the caller's signal. */
  signal: AbortSignal;
  /**
   * The same abort as an EventEmitter-style source (`aborted`, `reason`, `on/removeListener('abort')`):
   * listening here costs far less than building and listening to an `AbortSignal` (which `signal`
   * creates lazily, on first read). Present when the attempt can be aborted at all.
   */
  on?(event: 'abort', listener: () => void): unknown;
  aborted?: boolean;
}

/** Circuit breaker states, as cockatiel names them. */
export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

/**
 * A resilience policy wraps one unit of work (an HTTP attempt, a connector operation) with
 * retry, circuit breaker, timeout and bulkhead. Built by `createResiliencePolicy`.
 */
export interface ResiliencePolicy {
  /**
   * Runs `fn` under the policy. `fn` receives the attempt number and a signal that aborts on the
   * policy's timeout or the caller's signal. `idempotent: false` disables replays.
   */
  execute<T>(
    fn: (attempt: AttemptContext) => Promise<T>,
    options?: { signal?: AbortSignal; idempotent?: boolean; reauthenticate?: () => Promise<void> },
  ): Promise<T>;
  /** Current breaker state (`closed` when the policy has no breaker). */
  readonly circuitState: CircuitStateName;
  /** Subscribe to breaker state changes; returns an unsubscribe function. */
  onCircuitStateChange(listener: (state: CircuitStateName) => void): () => void;
  /** Opens the breaker by hand (e.g. a daily API allowance spent) until `reset` or `durationMs` elapses. */
  isolate(reason: string, durationMs?: number): void;
  /** Lifts an isolation made by {@link ResiliencePolicy.isolate} (optional for other implementations). */
  reset?(): void;
}
