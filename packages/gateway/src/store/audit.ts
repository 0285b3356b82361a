import type { SqlClient } from './sql.js';

/** One audited API call. Payloads are redacted before they get here. */
export interface AuditEntry {
  requestId: string;
  apiKeyId: string | null;
  environment: string | null;
  method: string;
  path: string;
  instance: string | null;
  operation: string | null;
  jobId: string | null;
  status: number;
  durationMs: number;
  payload: unknown;
}

/**
 * Append-only audit log in the gateway's database. Entries are written in batches (every
 * `flushMs`, or at 200 entries) so auditing adds no round trip to a request; `flush`/`close`
 * write what is pending (shutdown loses nothing).
 */
export class AuditLog {
  private pending: AuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly sql: SqlClient, private readonly options: { flushMs?: number; onError?: (error: unknown) => void } = {}) {}

  /** Queues an entry for the next batch. */
  async record(entry: AuditEntry): Promise<void> {
    this.pending.push(entry);
    if (this.pending.length >= 200) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs ?? 50);
      this.timer.unref();
    }
  }

  /** Writes every pending entry now. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return this.writing;
    const params: unknown[] = [];
    const rows = batch.map((e) => {
      const values = [e.requestId, e.apiKeyId, e.environment, e.method, e.path, e.instance, e.operation, e.jobId, e.status, e.durationMs, e.payload === undefined ? null : JSON.stringify(e.payload)];
      const placeholders = values.map((v) => `$${params.push(v)}`);
      return `(${placeholders.join(', ')})`;
    });
    this.writing = this.writing.then(() => this.sql.query(
      `INSERT INTO relaykit_audit (request_id, api_key_id, environment, method, path, instance, operation, job_id, status, duration_ms, payload) VALUES ${rows.join(', ')}`,
      params,
    )).then(() => undefined, (error: unknown) => this.options.onError?.(error));
    return this.writing;
  }

  /** The latest entries, newest first. */
  async recent(limit = 100): Promise<Array<AuditEntry & { at: string }>> {
    await this.flush();
    const { rows } = await this.sql.query<Record<string, unknown>>('SELECT * FROM relaykit_audit ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map((r) => ({
      at: new Date(r.at as string).toISOString(), requestId: r.request_id as string, apiKeyId: r.api_key_id as string | null, environment: r.environment as string | null,
      method: r.method as string, path: r.path as string, instance: r.instance as string | null, operation: r.operation as string | null, jobId: r.job_id as string | null,
      status: Number(r.status), durationMs: Number(r.duration_ms), payload: r.payload,
    }));
  }
}
