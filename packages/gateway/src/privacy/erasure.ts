import { randomUUID } from 'node:crypto';
import type { SqlClient, SqlExecutor } from '@relaykit/sdk-core';
import { belongsToSubject, type SubjectRef } from './subjects.js';

/** What an erasure touched, per data class: counts only, never personal data. */
export interface ErasureCounts {
  /** Operation jobs whose input, result and error text were erased. */
  jobs: number;
  /** Recorded webhook events (jobs of kind `webhook`) erased. */
  webhookEvents: number;
  /** Attempts whose error text was erased. */
  attempts: number;
  /** Stored Idempotency-Key responses deleted. */
  idempotencyResponses: number;
  /** Blind-index entries deleted. */
  subjectIndex: number;
  /** Audit entries changed: always 0, audit payloads hold no marked personal data and the trail is append-only. */
  auditEntries: number;
  /** Sync dead letters (raw upstream records naming the subject) deleted. */
  syncDeadLetters: number;
  /** What each instance's connector erased of the data it keeps itself (e.g. WhatsApp `statuses`), by class. */
  connectors: Record<string, Record<string, number>>;
}

/** The state of an erasure request, as stored and as its receipt says. */
export interface ErasureReceipt {
  id: string;
  /** `running`; `waiting`: the subject's jobs still in flight are erased by a later pass once they finish; `done`. */
  state: 'running' | 'waiting' | 'done';
  counts: ErasureCounts;
  /** Jobs of the subject that were still running at the last pass. */
  waiting: number;
  createdAt: string;
  finishedAt: string | null;
}

const EMPTY: ErasureCounts = {
  jobs: 0,
  webhookEvents: 0,
  attempts: 0,
  idempotencyResponses: 0,
  subjectIndex: 0,
  auditEntries: 0,
  syncDeadLetters: 0,
  connectors: {},
};

const FINISHED = ['succeeded', 'failed', 'dead'];

interface RequestRow {
  id: string;
  subject: { refs: SubjectRef[]; environment: string };
  state: ErasureReceipt['state'];
  cursor: string;
  counts: ErasureCounts;
  waiting: number;
  created_at: Date;
  finished_at: Date | null;
}

const receiptOf = (row: RequestRow): ErasureReceipt => ({
  id: row.id,
  state: row.state,
  counts: { ...EMPTY, ...row.counts },
  waiting: Number(row.waiting),
  createdAt: new Date(row.created_at).toISOString(),
  finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
});

/** The JSON text that replaces an erased payload: says it was erased and by which request, nothing else. */
export const erasedPayload = (erasureId: string) => JSON.stringify({ $erased: erasureId });

/**
 * Erases every stored trace of a data subject, in batches of `batchSize` jobs, each batch one transaction: the jobs'
 * inputs, results and error texts (rows kept: status, timings and ids stay consistent with other systems), their
 * attempts' error texts, their stored Idempotency-Key responses and their blind-index entries. Progress (a cursor
 * over job ids and the counts) is committed with each batch, so a crash loses at most the batch in flight and
 * {@link run} resumes where it stopped. Jobs still queued or running are left for a later pass (`waiting`): they
 * finish, then a resumed pass erases them.
 */
export class ErasureEngine {
  constructor(
    private readonly sql: SqlClient,
    private readonly batchSize: number,
  ) {}

  /** Records a request (no identifier in clear: only blind-index entries) and returns its id. */
  async create(refs: SubjectRef[], environment: string, apiKeyId: string | null): Promise<string> {
    const id = `era_${randomUUID().replace(/-/g, '')}`;
    await this.sql.query(
      `INSERT INTO relaykit_erasure_requests (id, subject, state, counts, api_key_id) VALUES ($1, $2, 'running', $3, $4)`,
      [id, JSON.stringify({ refs, environment }), JSON.stringify(EMPTY), apiKeyId],
    );
    return id;
  }

  /** The receipt of a request, or undefined. */
  async get(id: string): Promise<ErasureReceipt | undefined> {
    const { rows } = await this.sql.query<RequestRow>('SELECT * FROM relaykit_erasure_requests WHERE id = $1', [id]);
    return rows[0] ? receiptOf(rows[0]) : undefined;
  }

  /** Ids of requests not done (to resume after a crash or once waiting jobs finished). */
  async open(): Promise<string[]> {
    const { rows } = await this.sql.query<{ id: string }>(
      `SELECT id FROM relaykit_erasure_requests WHERE state <> 'done' ORDER BY created_at`,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Runs batches until the request is done or waits for jobs in flight; returns its receipt. Safe to call from
   * several processes: each batch locks the request row (`FOR UPDATE SKIP LOCKED`), so a batch runs once.
   * `onBatch` is told after each committed batch (tests use it to crash mid-way).
   */
  async run(
    id: string,
    onBatch?: (receipt: ErasureReceipt) => void | Promise<void>,
  ): Promise<(ErasureReceipt & { finishedNow?: boolean }) | undefined> {
    for (;;) {
      const step = await this.sql.transaction((tx) => this.batch(tx, id));
      if (step === 'busy') return this.get(id);
      if (step.state !== 'running' || step.done) return step.receipt;
      await onBatch?.(step.receipt);
    }
  }

  private async batch(
    tx: SqlExecutor,
    id: string,
  ): Promise<
    'busy' | { state: ErasureReceipt['state']; done: boolean; receipt: ErasureReceipt & { finishedNow?: boolean } }
  > {
    const { rows } = await tx.query<RequestRow>(
      'SELECT * FROM relaykit_erasure_requests WHERE id = $1 FOR UPDATE SKIP LOCKED',
      [id],
    );
    const request = rows[0];
    if (!request) return 'busy';
    if (request.state === 'done') return { state: 'done', done: true, receipt: receiptOf(request) };
    const refs = request.subject.refs;
    const counts = { ...EMPTY, ...request.counts };
    const { rows: candidates } = await tx.query<{ job_id: string }>(
      `SELECT DISTINCT i.job_id FROM relaykit_subject_index i JOIN relaykit_jobs j ON j.id = i.job_id
       WHERE i.hmac = ANY($1::text[]) AND i.job_id > $2 AND j.environment = $3 ORDER BY i.job_id LIMIT $4`,
      [refs.map((r) => r.hmac), request.cursor, request.subject.environment, this.batchSize],
    );
    if (!candidates.length) {
      // A pass is over: done, or (jobs were still running) waiting for the next pass from the start.
      const waiting = Number(request.waiting) > 0;
      const { rows: updated } = await tx.query<RequestRow>(
        `UPDATE relaykit_erasure_requests SET state = $2, cursor = '', waiting = CASE WHEN $2 = 'done' THEN waiting ELSE 0 END,
           updated_at = now(), finished_at = CASE WHEN $2 = 'done' THEN now() ELSE NULL END
         WHERE id = $1 RETURNING *`,
        [id, waiting ? 'waiting' : 'done'],
      );
      const receipt: ErasureReceipt & { finishedNow?: boolean } = { ...receiptOf(updated[0]!), finishedNow: !waiting };
      if (waiting) receipt.waiting = Number(request.waiting);
      return { state: receipt.state, done: true, receipt };
    }
    const ids = candidates.map((c) => c.job_id);
    const { rows: named } = await tx.query<{ job_id: string; kind: SubjectRef['kind']; hmac: string }>(
      'SELECT job_id, kind, hmac FROM relaykit_subject_index WHERE job_id = ANY($1::text[])',
      [ids],
    );
    const refsByJob = new Map<string, SubjectRef[]>();
    for (const r of named)
      refsByJob.set(r.job_id, [...(refsByJob.get(r.job_id) ?? []), { kind: r.kind, hmac: r.hmac }]);
    const owned = ids.filter((j) => belongsToSubject(refs, refsByJob.get(j) ?? []));
    const { rows: jobs } = owned.length
      ? await tx.query<{ id: string; status: string; kind: string }>(
          'SELECT id, status, kind FROM relaykit_jobs WHERE id = ANY($1::text[]) FOR UPDATE',
          [owned],
        )
      : { rows: [] };
    const finished = jobs.filter((j) => FINISHED.includes(j.status)).map((j) => j.id);
    const inFlight = jobs.length - finished.length;
    if (finished.length) {
      await tx.query(
        `UPDATE relaykit_jobs SET input = $2, result = CASE WHEN result IS NULL THEN NULL ELSE $2 END,
           error = CASE WHEN error IS NULL THEN NULL ELSE jsonb_build_object('code', coalesce(error->>'code', 'ERASED'), 'message', '[erased]') END
         WHERE id = ANY($1::text[])`,
        [finished, erasedPayload(id)],
      );
      const attempts = await tx.query(
        `UPDATE relaykit_job_attempts SET error = jsonb_build_object('code', coalesce(error->>'code', 'ERASED'), 'message', '[erased]')
         WHERE job_id = ANY($1::text[]) AND error IS NOT NULL RETURNING job_id`,
        [finished],
      );
      // Error groups quote their latest failure's message: a group that samples an erased job forgets the text and the id.
      await tx.query(
        `UPDATE relaykit_error_groups SET sample_message = '[erased]', message = '[erased]',
           sample_job_ids = array(SELECT u.id FROM unnest(sample_job_ids) WITH ORDINALITY AS u(id, n) WHERE u.id <> ALL($1::text[]) ORDER BY u.n)
         WHERE sample_job_ids && $1::text[]`,
        [finished],
      );
      const idempotency = await tx.query(
        `DELETE FROM relaykit_idempotency d USING relaykit_jobs j
         WHERE j.id = ANY($1::text[]) AND j.idempotency_key IS NOT NULL AND j.api_key_id IS NOT NULL
           AND d.scope = 'apikey:' || j.api_key_id AND d.key = j.idempotency_key RETURNING d.key`,
        [finished],
      );
      const index = await tx.query(
        'DELETE FROM relaykit_subject_index WHERE job_id = ANY($1::text[]) RETURNING job_id',
        [finished],
      );
      const webhooks = jobs.filter((j) => finished.includes(j.id) && j.kind === 'webhook').length;
      counts.jobs += finished.length - webhooks;
      counts.webhookEvents += webhooks;
      counts.attempts += attempts.rows.length;
      counts.idempotencyResponses += idempotency.rows.length;
      counts.subjectIndex += index.rows.length;
    }
    const { rows: updated } = await tx.query<RequestRow>(
      `UPDATE relaykit_erasure_requests SET cursor = $2, counts = $3, waiting = waiting + $4, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, ids[ids.length - 1], JSON.stringify(counts), inFlight],
    );
    return { state: 'running', done: false, receipt: receiptOf(updated[0]!) };
  }

  /** Marks a waiting request running again, for a new pass. */
  async resume(id: string): Promise<void> {
    await this.sql.query(
      `UPDATE relaykit_erasure_requests SET state = 'running', updated_at = now() WHERE id = $1 AND state = 'waiting'`,
      [id],
    );
  }
}
