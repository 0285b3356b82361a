import { redact, type RedactOptions } from '@relaykit/sdk-core';
import { plainCodec, toJson, type PayloadCodec } from './codec.js';
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
 * write what is pending (shutdown loses nothing). Payloads are redacted at write time (off the
 * request's path) and, when `codec` seals, stored as an envelope bound to the request id.
 */
export class AuditLog {
  private pending: AuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  private readonly codec: PayloadCodec;

  constructor(
    private readonly sql: SqlClient,
    private readonly options: { flushMs?: number; onError?: (error: unknown) => void; codec?: PayloadCodec } = {},
  ) {
    this.codec = options.codec ?? plainCodec;
  }

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
    this.writing = this.writing
      .then(async () => {
        const params: unknown[] = [];
        const rows = await Promise.all(
          batch.map(async (e) => [
            e.requestId,
            e.apiKeyId,
            e.environment,
            e.method,
            e.path,
            e.instance,
            e.operation,
            e.jobId,
            e.status,
            e.durationMs,
            await this.encodePayload(e),
          ]),
        );
        const placeholders = rows.map((values) => `(${values.map((v) => `$${params.push(v)}`).join(', ')})`);
        await this.sql.query(
          `INSERT INTO relaykit_audit (request_id, api_key_id, environment, method, path, instance, operation, job_id, status, duration_ms, payload) VALUES ${placeholders.join(', ')}`,
          params,
        );
      })
      .then(
        () => undefined,
        (error: unknown) => this.options.onError?.(error),
      );
    return this.writing;
  }

  /** The jsonb text of an entry's payload: redacted JSON, or (sealing codec) a JSON string holding the envelope. */
  private async encodePayload(entry: AuditEntry): Promise<string | null> {
    if (entry.payload === undefined) return null;
    const redacted = redact(entry.payload, AUDIT_REDACTION);
    return this.codec.encrypted
      ? JSON.stringify(await this.codec.encode(redacted, auditContext(entry.requestId)))
      : toJson(redacted);
  }

  /** The latest entries, newest first. */
  async recent(limit = 100): Promise<Array<AuditEntry & { at: string }>> {
    await this.flush();
    const { rows } = await this.sql.query<Record<string, unknown>>(
      'SELECT * FROM relaykit_audit ORDER BY id DESC LIMIT $1',
      [limit],
    );
    return Promise.all(
      rows.map(async (r) => ({
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
      })),
    );
  }

  private async decodePayload(payload: unknown, requestId: string): Promise<unknown> {
    // Sealed payloads are jsonb strings; entries written before encryption was on are plain JSON.
    return typeof payload === 'string' && this.codec.encrypted
      ? this.codec.decode(payload, auditContext(requestId))
      : payload;
  }
}

/** Additional authenticated data of an audit envelope: a payload moved to another request's row does not open. */
const auditContext = (requestId: string) => `audit:${requestId}`;
