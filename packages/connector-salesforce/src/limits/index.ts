/** One entry of `Sforce-Limit-Info`, e.g. `per-app-api-usage=17/250(appName=x)`. */
export interface LimitInfoEntry {
  name: string;
  used: number;
  max: number;
  /** Text in parentheses after the figures (e.g. `appName=x`), when present. */
  qualifier?: string | undefined;
}

/**
 * Parses every `;`-separated entry of a `Sforce-Limit-Info` header
 * (`api-usage=18/5000; per-app-api-usage=17/250(appName=sample)`). Malformed entries are skipped.
 */
export function parseLimitInfo(header: string | string[] | undefined): LimitInfoEntry[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(';') : header;
  const out: LimitInfoEntry[] = [];
  for (const part of text.split(/[;,]/)) {
    const m = /^\s*([\w-]+)\s*=\s*(\d+)\s*\/\s*(\d+)\s*(?:\(([^)]*)\))?\s*$/.exec(part);
    if (m) out.push({ name: m[1]!, used: Number(m[2]), max: Number(m[3]), qualifier: m[4] });
  }
  return out;
}

/** The org's API usage as last seen on an answer. */
export interface ApiUsage {
  /** Requests used in the rolling 24 h window (`api-usage`). */
  used: number;
  /** The 24 h allocation. */
  max: number;
  /** `used / max`, 0..1. */
  share: number;
  /** Every entry of the last `Sforce-Limit-Info` header. */
  entries: ReadonlyArray<LimitInfoEntry>;
  /** When it was observed (ms epoch). */
  observedAt: number;
}

/** Tracks `Sforce-Limit-Info` from every answer and notifies subscribers. */
export class ApiUsageTracker {
  private last: ApiUsage | undefined;
  private readonly listeners = new Set<(usage: ApiUsage) => void>();

  /** Latest observed usage, or undefined before the first answer. */
  get current(): ApiUsage | undefined {
    return this.last;
  }

  /** Records a header (from a success or an error answer). */
  observe(header: string | string[] | undefined): void {
    const entries = parseLimitInfo(header);
    const api = entries.find((e) => e.name === 'api-usage');
    if (!api) return;
    // Answers arrive out of order under concurrency: within a short span keep the highest figure;
    // after it, trust the new one (the 24 h window rolls and usage can fall).
    const recent = this.last !== undefined && this.last.max === api.max && Date.now() - this.last.observedAt < 60_000;
    const used = recent ? Math.max(this.last!.used, api.used) : api.used;
    this.last = { used, max: api.max, share: api.max > 0 ? used / api.max : 0, entries, observedAt: Date.now() };
    for (const l of this.listeners) {
      try {
        l(this.last);
      } catch {
        /* a listener must not break a request */
      }
    }
  }

  /** Sets the figure from `GET /limits` (`DailyApiRequests`). */
  set(used: number, max: number): void {
    this.last = {
      used,
      max,
      share: max > 0 ? used / max : 0,
      entries: [{ name: 'api-usage', used, max }],
      observedAt: Date.now(),
    };
    for (const l of this.listeners) {
      try {
        l(this.last);
      } catch {
        /* ignore */
      }
    }
  }

  /** Subscribes to usage updates; returns the unsubscribe function. */
  subscribe(listener: (usage: ApiUsage) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

/** Options of the daily-allocation guard. */
export interface LimitGuardOptions {
  /** Share of the daily allocation (0..1) past which non-urgent calls are refused. Default 0.9. */
  maxShare?: number;
}
