import { deadLetterRecordset, type DeadLetter, type DeadLetterSink } from '@relaykit/sdk-core';
import type { SqlClient } from '../store/sql.js';

/** Where a sync dead letter stands: waiting for an operator, replayed through the connector, or discarded. */
export type SyncDeadLetterState = 'open' | 'replayed' | 'discarded';

/** A stored sync dead letter. */
export interface StoredSyncDeadLetter {
  seq: string;
  environment: string;
  instance: string;
  source: string;
  entity: string;
  recordId: string;
  version: string;
  reason: string;
  code: string | null;
  raw: unknown;
  at: string;
  state: SyncDeadLetterState;
}

/**
 * The dead letters of syncs the gateway runs, in its own database next to the jobs: each instance's syncs write
 * through {@link sinkFor} (handed to the connector as `deadLetters`). One row per (instance, source, entity, record,
 * version): a record failing again updates its row and opens it again.
 */
export class SyncDeadLetterStore {
  constructor(private readonly sql: SqlClient) {}

  /** The sink one instance's syncs write to. */
  sinkFor(instance: { name: string; environment: string }): DeadLetterSink {
    return { write: (entries) => this.write(instance, entries) };
  }

  private async write(instance: { name: string; environment: string }, entries: DeadLetter[]): Promise<void> {
    if (!entries.length) return;
    await this.sql.query(
      `INSERT INTO relaykit_sync_dead_letters (environment, instance, source, entity, record_id, version, reason, code, raw, at)
       SELECT $1, $2, r.source, r.entity, r.record_id, r.version, r.reason, r.code, r.raw, r.at
       FROM jsonb_to_recordset($3::jsonb) AS r(source text, entity text, record_id text, version text, reason text, code text, raw jsonb, at timestamptz)
       ON CONFLICT (instance, source, entity, record_id, version) DO UPDATE SET reason = excluded.reason, code = excluded.code,
         raw = excluded.raw, at = excluded.at, state = 'open', handled_by = NULL, handled_note = NULL, handled_at = NULL`,
      [instance.environment, instance.name, deadLetterRecordset(entries)],
    );
  }

  /** Open dead letters of `environment` with these row numbers. */
  async openOnes(environment: string, seqs: string[]): Promise<StoredSyncDeadLetter[]> {
    if (!seqs.length) return [];
    const { rows } = await this.sql.query<Record<string, unknown>>(
      `SELECT d.*, d.seq::text AS seq_text FROM relaykit_sync_dead_letters d WHERE d.environment = $1 AND d.seq = ANY($2::bigint[]) AND d.state = 'open' ORDER BY d.seq`,
      [environment, seqs],
    );
    return rows.map((r) => ({
      seq: r.seq_text as string,
      environment: r.environment as string,
      instance: r.instance as string,
      source: r.source as string,
      entity: r.entity as string,
      recordId: r.record_id as string,
      version: r.version as string,
      reason: r.reason as string,
      code: (r.code as string | null) ?? null,
      raw: r.raw,
      at: new Date(r.at as string).toISOString(),
      state: r.state as SyncDeadLetterState,
    }));
  }

  /** Marks open dead letters handled (`replayed` or `discarded`) with who and a note; returns the seqs changed. */
  async settle(
    environment: string,
    seqs: string[],
    change: { state: 'replayed' | 'discarded'; by: string; note: string | null },
  ): Promise<string[]> {
    if (!seqs.length) return [];
    const { rows } = await this.sql.query<{ seq: string }>(
      `UPDATE relaykit_sync_dead_letters SET state = $3, handled_by = $4, handled_note = $5, handled_at = now()
       WHERE environment = $1 AND seq = ANY($2::bigint[]) AND state = 'open' RETURNING seq::text AS seq`,
      [environment, seqs, change.state, change.by, change.note],
    );
    return rows.map((r) => r.seq);
  }

  /** Records a replay that failed again: the letter stays open with the new reason. */
  async failedAgain(environment: string, seq: string, reason: string, code: string | null): Promise<void> {
    await this.sql.query(
      `UPDATE relaykit_sync_dead_letters SET reason = $3, code = $4, at = now() WHERE environment = $1 AND seq = $2::bigint`,
      [environment, seq, reason, code],
    );
  }
}
