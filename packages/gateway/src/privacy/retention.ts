import type { Logger, SqlClient, SqlExecutor } from '@relaykit/sdk-core';
import type { GatewayMetrics } from '../runtime/metrics.js';
import type { AuditLog } from '../store/audit.js';
import { DATA_CLASSES, type DataClass, type PrivacyConfig, retentionRule } from './config.js';
import type { HeldData } from './held-data.js';

/** Rows purged in one run, per data class. */
export type PurgeCounts = Record<DataClass, number>;

/** Advisory lock held by the transaction of each purge batch: one purging process at a time. */
const PURGE_LOCK = 724_230;

/** The jobs each job class covers. */
const JOB_CLASSES: Partial<Record<DataClass, string>> = {
  jobs: `j.kind = 'operation' AND j.status = 'succeeded'`,
  deadJobs: `j.kind = 'operation' AND j.status IN ('failed', 'dead')`,
  webhooks: `j.kind = 'webhook' AND j.status IN ('succeeded', 'failed', 'dead')`,
};

/** Stored in place of a purged payload. */
export const PURGED_PAYLOAD = '{"$purged":true}';

/**
 * Retention: keeps each data class for its configured duration (per instance where it applies), then deletes the
 * rows or erases only their payloads. Runs every `privacy.retention.interval`, in batches of
 * `privacy.retention.batch` rows, each batch its own short transaction. Exactly once across processes: each batch
 * takes a transaction-scoped advisory lock first (a process that does not get it ends its run, `skipped`) and
 * picks its rows with `FOR UPDATE SKIP LOCKED` (it never waits on a row a worker holds). Counts go to Prometheus
 * and, when anything was purged, to one audit record per run.
 */
export class RetentionPurger {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly deps: {
      sql: SqlClient;
      config: PrivacyConfig;
      instances: readonly string[];
      audit: AuditLog;
      metrics: GatewayMetrics;
      logger: Logger;
      /**
       * Retention of what connectors keep themselves, run after the gateway's own classes: counts by
       * `<instance>.<class>` (see {@link HeldData.purge}).
       */
      connectors?: (now: Date) => Promise<Record<string, number>>;
    },
  ) {}

  /** Starts the periodic purge (no-op when retention is disabled). */
  start(): void {
    if (this.timer || !this.deps.config.retention.enabled) return;
    this.timer = setInterval(() => {
      if (!this.running)
        this.running = this.runOnce()
          .catch(() => undefined)
          .finally(() => {
            this.running = undefined;
          });
    }, this.deps.config.retention.interval);
    this.timer.unref();
  }

  /** Stops the periodic purge, waiting for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One run over every class; `skipped` when another process was purging. */
  async runOnce(
    now = new Date(),
  ): Promise<{ counts: PurgeCounts; connectors: Record<string, number>; skipped: boolean }> {
    const started = performance.now();
    const counts = Object.fromEntries(DATA_CLASSES.map((c) => [c, 0])) as PurgeCounts;
    let connectors: Record<string, number> = {};
    let skipped = false;
    try {
      for (const dataClass of DATA_CLASSES) {
        for (const scope of this.scopes(dataClass)) {
          const rule = retentionRule(this.deps.config, dataClass, scope.instance);
          if (rule.keep === null) continue;
          const cutoff = new Date(now.getTime() - rule.keep);
          for (;;) {
            const n = await this.deps.sql.transaction(async (tx) => {
              const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
                PURGE_LOCK,
              ]);
              if (!rows[0]?.locked) return -1;
              return this.batch(tx, dataClass, rule.action, cutoff, scope);
            });
            if (n < 0) {
              skipped = true;
              break;
            }
            counts[dataClass] += n;
            this.deps.metrics.purged.inc({ class: dataClass, action: rule.action }, n);
            if (n < this.deps.config.retention.batch) break;
          }
          if (skipped) break;
        }
        if (skipped) break;
      }
      // Connectors' own stores: their deletes are idempotent, and only the process that purged the gateway's
      // classes (the others were `skipped`) runs them.
      if (!skipped && this.deps.connectors) {
        connectors = await this.deps.connectors(now);
        for (const [dataClass, n] of Object.entries(connectors))
          this.deps.metrics.purged.inc({ class: dataClass, action: 'delete' }, n);
      }
      this.deps.metrics.purgeRuns.inc({ outcome: skipped ? 'skipped' : 'completed' });
    } catch (error) {
      this.deps.metrics.purgeRuns.inc({ outcome: 'failed' });
      this.deps.logger.warn({ err: String(error) }, 'retention purge failed; it runs again next interval');
      throw error;
    } finally {
      this.deps.metrics.purgeDuration.observe((performance.now() - started) / 1000);
    }
    if ([...Object.values(counts), ...Object.values(connectors)].some((n) => n > 0))
      await this.deps.audit.record({
        requestId: `retention:${now.toISOString()}`,
        apiKeyId: null,
        environment: null,
        method: 'PURGE',
        path: '/retention',
        instance: null,
        operation: 'privacy:retention.purge',
        jobId: null,
        status: 200,
        durationMs: performance.now() - started,
        payload: { counts, connectors, skipped },
      });
    return { counts, connectors, skipped };
  }

  /** Instances with their own rule, then everyone else (`others`); classes without instances have one scope. */
  private scopes(dataClass: DataClass): Array<{ instance?: string; others?: string[] }> {
    if (!JOB_CLASSES[dataClass] && dataClass !== 'attempts' && dataClass !== 'syncDeadLetters') return [{}];
    const own = Object.keys(this.deps.config.retention.instances).filter(
      (i) => this.deps.config.retention.instances[i]?.[dataClass],
    );
    return [...own.map((instance) => ({ instance })), { others: own }];
  }

  private async batch(
    tx: SqlExecutor,
    dataClass: DataClass,
    action: 'delete' | 'erasePayload',
    cutoff: Date,
    scope: { instance?: string; others?: string[] },
  ): Promise<number> {
    const limit = this.deps.config.retention.batch;
    const where = scope.instance !== undefined ? 'j.instance = $3' : 'NOT (j.instance = ANY($3::text[]))';
    const instanceParam = scope.instance ?? scope.others ?? [];
    const jobFilter = JOB_CLASSES[dataClass];
    if (jobFilter) {
      const pick = `SELECT j.id FROM relaykit_jobs j WHERE j.purged_at IS NULL AND j.finished_at < $1 AND ${jobFilter} AND ${where}
        ORDER BY j.finished_at LIMIT $2 FOR UPDATE SKIP LOCKED`;
      if (action === 'delete') {
        const { rows } = await tx.query(`DELETE FROM relaykit_jobs WHERE id IN (${pick}) RETURNING id`, [
          cutoff,
          limit,
          instanceParam,
        ]);
        return rows.length;
      }
      const { rows } = await tx.query<{ id: string }>(
        `UPDATE relaykit_jobs SET input = $4, result = CASE WHEN result IS NULL THEN NULL ELSE $4 END,
           error = CASE WHEN error IS NULL THEN NULL ELSE jsonb_build_object('code', coalesce(error->>'code', 'PURGED'), 'message', '[purged]') END,
           purged_at = now()
         WHERE id IN (${pick}) RETURNING id`,
        [cutoff, limit, instanceParam, PURGED_PAYLOAD],
      );
      // Nothing is left to find these jobs' subjects by.
      if (rows.length)
        await tx.query('DELETE FROM relaykit_subject_index WHERE job_id = ANY($1::text[])', [rows.map((r) => r.id)]);
      return rows.length;
    }
    if (dataClass === 'attempts') {
      const pick = `SELECT a.job_id, a.attempt FROM relaykit_job_attempts a JOIN relaykit_jobs j ON j.id = a.job_id
        WHERE a.finished_at < $1 AND a.error IS NOT NULL AND a.error->>'message' IS DISTINCT FROM '[purged]' AND ${where}
        LIMIT $2 FOR UPDATE OF a SKIP LOCKED`;
      const sql =
        action === 'delete'
          ? `DELETE FROM relaykit_job_attempts WHERE (job_id, attempt) IN (${pick}) RETURNING job_id`
          : `UPDATE relaykit_job_attempts SET error = jsonb_build_object('code', coalesce(error->>'code', 'PURGED'), 'message', '[purged]')
             WHERE (job_id, attempt) IN (${pick}) RETURNING job_id`;
      return (await tx.query(sql, [cutoff, limit, instanceParam])).rows.length;
    }
    if (dataClass === 'syncDeadLetters') {
      // Raw upstream records (and reasons quoting them): the whole row goes, or only the record.
      const pick = `SELECT j.seq FROM relaykit_sync_dead_letters j WHERE j.at < $1 AND ${where}${action === 'delete' ? '' : ' AND j.raw IS NOT NULL'}
        ORDER BY j.at LIMIT $2 FOR UPDATE SKIP LOCKED`;
      const sql =
        action === 'delete'
          ? `DELETE FROM relaykit_sync_dead_letters WHERE seq IN (${pick}) RETURNING seq`
          : `UPDATE relaykit_sync_dead_letters SET raw = NULL, reason = '[purged]' WHERE seq IN (${pick}) RETURNING seq`;
      return (await tx.query(sql, [cutoff, limit, instanceParam])).rows.length;
    }
    if (dataClass === 'idempotency') {
      // A stored response is only useful until it expires: after `keep` past its expiry it is deleted, whatever the action.
      const { rows } = await tx.query(
        `DELETE FROM relaykit_idempotency WHERE (scope, key) IN (
           SELECT scope, key FROM relaykit_idempotency WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING key`,
        [cutoff, limit],
      );
      return rows.length;
    }
    // The audit trail: its payloads hold no marked personal data, so `erasePayload` only drops what redaction left.
    const sql =
      action === 'delete'
        ? `DELETE FROM relaykit_audit WHERE id IN (SELECT id FROM relaykit_audit WHERE at < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id`
        : `UPDATE relaykit_audit SET payload = NULL WHERE id IN (
             SELECT id FROM relaykit_audit WHERE at < $1 AND payload IS NOT NULL ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id`;
    return (await tx.query(sql, [cutoff, limit])).rows.length;
  }
}
