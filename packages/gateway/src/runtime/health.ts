import type { Logger } from '@relaykit/sdk-core';
import type { LoadedInstance } from './instances.js';

/** The last upstream health check of one instance. */
export interface UpstreamHealth {
  /** `null` until the first check has finished. */
  ok: boolean | null;
  /** When the check finished (ISO 8601), `null` before the first one. */
  checkedAt: string | null;
  details?: Record<string, unknown>;
}

/**
 * Runs every instance's upstream health check in the background, once at start and then every `intervalMs`,
 * and keeps the answers. Probes read the cache: however often `/readyz` is hit, an upstream sees at most one
 * health call per interval (a Salesforce org's `limits` call counts against its daily API allocation).
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly results = new Map<string, UpstreamHealth>();

  constructor(
    private readonly options: {
      instances: Map<string, LoadedInstance>;
      intervalMs: number;
      timeoutMs: number;
      logger: Logger;
    },
  ) {}

  /** The cached result for an instance. */
  get(instance: string): UpstreamHealth {
    return this.results.get(instance) ?? { ok: null, checkedAt: null };
  }

  /** One round over every instance (concurrent checks; a round never overlaps the previous one). */
  refresh(): Promise<void> {
    this.running ??= Promise.all(
      [...this.options.instances.values()].map(async (instance) => {
        const health = await this.check(instance);
        this.results.set(instance.name, { ...health, checkedAt: new Date().toISOString() });
      }),
    )
      .then(() => undefined)
      .catch((err: unknown) => this.options.logger.warn({ err: String(err) }, 'health round failed'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Starts the first round now and the next ones every interval. */
  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async check(instance: LoadedInstance): Promise<{ ok: boolean; details?: Record<string, unknown> }> {
    const runtime = instance.runtime;
    if (!instance.connector.health || !runtime) return { ok: Boolean(runtime) };
    const timeoutMs = this.options.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        instance.connector
          .health({
            ...runtime.services,
            instance: instance.name,
            state: runtime.state,
            signal: AbortSignal.timeout(timeoutMs),
            attempt: 1,
            progress: () => undefined,
          })
          .catch((err: unknown) => ({ ok: false, details: { error: String((err as Error)?.message ?? err) } })),
        // A check that ignores its signal still ends the round.
        new Promise<{ ok: boolean; details: Record<string, unknown> }>((resolve) => {
          timer = setTimeout(
            () => resolve({ ok: false, details: { error: 'health check timed out' } }),
            timeoutMs + 500,
          );
          timer.unref();
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
