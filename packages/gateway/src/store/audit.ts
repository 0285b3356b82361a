import { redact, type RedactOptions } from '@relaykit/sdk-core';
import { plainCodec, type PayloadCodec } from './codec.js';
import { fromJsonb, toJsonb } from './jsonb.js';
import type { SqlClient } from './sql.js';

/**
 * How audit payloads are redacted: secrets and card numbers (always), phone numbers, e-mail
 * addresses, and free message text (fields named `body`, `text`, `message`, `caption`) — an audit
 * trail says who called what, it is no copy of the customer data.
 */
export const AUDIT_REDACTION: RedactOptions = Object.freeze({
  maskPhones: true,
  maskEmails: true,
  keys: Object.freeze(['body', 'text', 'message', 'caption']),
  maxStringLength: 2048,
});

/** One audited API call. `payload` is redacted ({@link AUDIT_REDACTION}) and, with a sealing codec, encrypted when written. */
export interface AuditEntry {
  requestId: string;
  apiKeyId: string | null;
  /** Who acted: `user:<id>` (a console user) or `key:<id>` (an API key); null when unauthenticated. */
  actor?: string | null;
  environment: string | null;
  method: string;
  path: string;
  instance: string | null;
  operation: string | null;
  jobId: string | null;
  status: number;
  durationMs: number;
  payload: unknown;
  /** Why the caller read or wrote (the `X-Purpose` header), when it said. */
  purpose?: string | null;
  /** Stored personal data this call returned (e.g. `job.input`, `job.result`): set on every read of it. */
  reads?: string[] | null;
}

/** An audit entry as stored: its row id (as a decimal string: bigserial), time and actor. */
export interface StoredAuditEntry extends AuditEntry {
  id: string;
  at: string;
  actor: string | null;
}

/** Rows per INSERT: a backlog after an outage is written in statements of this size (PostgreSQL allows 65,535 parameters). */
const ROWS_PER_INSERT = 200;
/** Longest pause between retries of a failed write. */
const MAX_RETRY_MS = 30_000;

/** Options of {@link AuditLog}. */
export interface AuditLogOptions {
  /** How long an entry waits for its batch (default 50 ms). */
  flushMs?: number;
  /** Told of every failed write, with how many entries wait and when the next try is. */
  onError?: (error: unknown, state: { pending: number; retryInMs: number }) => void;
  codec?: PayloadCodec;
  /** Entries that may wait for the database before {@link AuditLog.backlogged} turns true (default 10,000). */
  maxBacklog?: number;
}

/** SQLSTATE classes of errors one row causes (bad data, a constraint, a size limit): retrying the same row cannot help. */
const ROW_ERROR = /^(22|23|54)/;
const sqlState = (error: unknown) => String((error as { code?: unknown } | null)?.code ?? '');

/**
 * Append-only audit log in the gateway's database. Entries are written in batches (every
 * `flushMs`, or at 200 entries) so auditing adds no round trip to a request; `flush`/`close`
 * write what is pending (shutdown loses nothing). Payloads are redacted at write time (off the
 * request's path) and, when `codec` seals, stored as an envelope bound to the request id; a payload
 * jsonb cannot hold (NUL, lone surrogates) is stored escaped (`toJsonb`).
 *
 * No entry is skipped: a failed write puts its entries back at the head of the queue and is retried
 * with back-off (100 ms doubling to 30 s) while `onError` reports it. A batch refused for one row's
 * data is written row by row, and a row the database still refuses keeps its who/what/when with the
 * payload replaced by `{"$rkunstorable": "<SQLSTATE>"}`. While more than `maxBacklog` entries wait,
 * {@link backlogged} is true and the gateway refuses `/v1` requests with 503 `AUDIT_UNAVAILABLE`:
 * calls that cannot be audited are not served.
 */
export class AuditLog {
  private pending: AuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Consecutive failed writes (drives the back-off). */
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  private readonly codec: PayloadCodec;
  private readonly maxBacklog: number;

  constructor(
    private readonly sql: SqlClient,
    private readonly options: AuditLogOptions = {},
  ) {
    this.codec = options.codec ?? plainCodec;
    this.maxBacklog = options.maxBacklog ?? 10_000;
  }

  /** Entries recorded and not yet written. */
  get backlog(): number {
    return this.pending.length;
  }

  /** True while more than `maxBacklog` entries wait for the database: new calls should be refused. */
  get backlogged(): boolean {
    return this.pending.length > this.maxBacklog;
  }

  /** Queues an entry for the next batch. */
  async record(entry: AuditEntry): Promise<void> {
    this.pending.push(entry);
    // While a failed write waits for its retry, new entries join the backlog instead of hammering the database.
    if (this.retryTimer) return;
    if (this.pending.length >= ROWS_PER_INSERT) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs ?? 50);
      this.timer.unref();
    }
  }

  /** Writes every pending entry now (a failed write stays pending, see the class notes). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return this.writing;
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  private async write(batch: AuditEntry[]): Promise<void> {
    let done = 0;
    try {
      for (; done < batch.length; done += ROWS_PER_INSERT) {
        const chunk = batch.slice(done, done + ROWS_PER_INSERT);
        try {
          await this.insert(chunk);
        } catch (error) {
          if (!ROW_ERROR.test(sqlState(error))) throw error;
          await this.insertOneByOne(chunk);
        }
      }
      this.failures = 0;
    } catch (error) {
      // Back at the head of the queue, in order, ahead of what was recorded meanwhile.
      this.pending = [...batch.slice(done), ...this.pending];
      this.failures++;
      const retryInMs = Math.min(MAX_RETRY_MS, 100 * 2 ** (this.failures - 1));
      this.options.onError?.(error, { pending: this.pending.length, retryInMs });
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.flush(), retryInMs);
      this.retryTimer.unref();
    }
  }

  /** Isolates the row(s) a batch was refused for; those keep their row with the payload marked unstorable. */
  private async insertOneByOne(entries: AuditEntry[]): Promise<void> {
    for (const entry of entries) {
      try {
        await this.insert([entry]);
      } catch (error) {
        const state = sqlState(error);
        if (!ROW_ERROR.test(state)) throw error;
        this.options.onError?.(error, { pending: this.pending.length, retryInMs: 0 });
        await this.insert([entry], { $rkunstorable: state });
      }
    }
  }

  private async insert(entries: AuditEntry[], payloadOverride?: unknown): Promise<void> {
    const params: unknown[] = [];
    const rows = await Promise.all(
      entries.map(async (e) => [
        e.requestId,
        e.apiKeyId,
        e.actor ?? (e.apiKeyId ? `key:${e.apiKeyId}` : null),
        e.environment,
        e.method,
        e.path,
        e.instance,
        e.operation,
        e.jobId,
        e.status,
        e.durationMs,
        payloadOverride === undefined ? await this.encodePayload(e) : toJsonb(payloadOverride),
        e.purpose ?? null,
        e.reads?.length ? JSON.stringify(e.reads) : null,
      ]),
    );
    const placeholders = rows.map((values) => `(${values.map((v) => `$${params.push(v)}`).join(', ')})`);
    await this.sql.query(
      `INSERT INTO relaykit_audit (request_id, api_key_id, actor, environment, method, path, instance, operation, job_id, status, duration_ms, payload, purpose, reads) VALUES ${placeholders.join(', ')}`,
      params,
    );
  }

  /** The jsonb text of an entry's payload: redacted JSON, or (sealing codec) a JSON string holding the envelope. */
  private async encodePayload(entry: AuditEntry): Promise<string | null> {
    if (entry.payload === undefined) return null;
    try {
      const redacted = redact(entry.payload, AUDIT_REDACTION);
      return this.codec.encrypted
        ? JSON.stringify(await this.codec.encode(redacted, auditContext(entry.requestId)))
        : toJsonb(redacted);
    } catch (error) {
      // The row (who called what, when, with which outcome) is written all the same.
      this.options.onError?.(error, { pending: this.pending.length, retryInMs: 0 });
      return toJsonb({ $rkunstorable: 'ENCODE' });
    }
  }

  /** The latest entries, newest first. */
  async recent(limit = 100): Promise<StoredAuditEntry[]> {
    await this.flush();
    const { rows } = await this.sql.query<Record<string, unknown>>(
      'SELECT * FROM relaykit_audit ORDER BY id DESC LIMIT $1',
      [limit],
    );
    return Promise.all(rows.map((r) => this.decodeRow(r)));
  }

  /** An audit row as read from `relaykit_audit` (`SELECT *`), its payload opened. */
  async decodeRow(r: Record<string, unknown>): Promise<StoredAuditEntry> {
    const apiKeyId = r.api_key_id as string | null;
    return {
      id: String(r.id),
      at: new Date(r.at as string).toISOString(),
      requestId: r.request_id as string,
      apiKeyId,
      actor: (r.actor as string | null | undefined) ?? (apiKeyId ? `key:${apiKeyId}` : null),
      environment: r.environment as string | null,
      method: r.method as string,
      path: r.path as string,
      instance: r.instance as string | null,
      operation: r.operation as string | null,
      jobId: r.job_id as string | null,
      status: Number(r.status),
      durationMs: Number(r.duration_ms),
      payload: await this.decodePayload(r.payload, r.request_id as string).catch(() => ({ $rkunreadable: true })),
      purpose: (r.purpose as string | null) ?? null,
      reads: (r.reads as string[] | null) ?? null,
    };
  }

  /** The entries naming these jobs, oldest first, payloads decoded (for subject access exports). */
  async forJobs(jobIds: readonly string[]): Promise<Array<AuditEntry & { id: string; at: string }>> {
    if (!jobIds.length) return [];
    await this.flush();
    const { rows } = await this.sql.query<Record<string, unknown>>(
      'SELECT * FROM relaykit_audit WHERE job_id = ANY($1::text[]) ORDER BY id',
      [jobIds],
    );
    return Promise.all(rows.map(async (r) => ({ id: String(r.id), ...(await this.toEntry(r)) })));
  }

  private async toEntry(r: Record<string, unknown>): Promise<AuditEntry & { at: string }> {
    return {
      at: new Date(r.at as string).toISOString(),
      requestId: r.request_id as string,
      apiKeyId: r.api_key_id as string | null,
      environment: r.environment as string | null,
      method: r.method as string,
      path: r.path as string,
      instance: r.instance as string | null,
      operation: r.operation as string | null,
      jobId: r.job_id as string | null,
      status: Number(r.status),
      durationMs: Number(r.duration_ms),
      payload: await this.decodePayload(r.payload, r.request_id as string),
      purpose: (r.purpose as string | null) ?? null,
      reads: (r.reads as string[] | null) ?? null,
    };
  }

  private async decodePayload(payload: unknown, requestId: string): Promise<unknown> {
    // Sealed payloads are jsonb strings; entries written before encryption was on are plain JSON.
    return typeof payload === 'string' && this.codec.encrypted
      ? this.codec.decode(payload, auditContext(requestId))
      : fromJsonb(payload);
  }
}

/** Additional authenticated data of an audit envelope: a payload moved to another request's row does not open. */
const auditContext = (requestId: string) => `audit:${requestId}`;
