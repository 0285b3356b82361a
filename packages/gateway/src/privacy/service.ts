import type { EnvelopeCipher, Logger, SqlClient } from '@relaykit/sdk-core';
import { problem } from '../errors/index.js';
import type { LoadedInstance } from '../runtime/instances.js';
import type { GatewayMetrics } from '../runtime/metrics.js';
import type { AuditLog } from '../store/audit.js';
import type { PayloadCodec } from '../store/codec.js';
import type { NewJob } from '../store/types.js';
import { BlindIndex } from './blind-index.js';
import type { PrivacyConfig } from './config.js';
import { ErasureEngine, type ErasureReceipt } from './erasure.js';
import { HeldData } from './held-data.js';
import { KeyRotation } from './key-rotation.js';
import { storedPayloadMasker } from './masking.js';
import type { StoredPayloadMasker } from '../store/job-store.js';
import { Restrictions } from './restrictions.js';
import { RetentionPurger } from './retention.js';
import {
  personalDataOfInput,
  refsOfSubject,
  subjectRefs,
  type JobShape,
  type SubjectIdentifiers,
  type SubjectRef,
} from './subjects.js';

/** What {@link Privacy} works with. */
export interface PrivacyDeps {
  sql: SqlClient;
  instances: ReadonlyMap<string, LoadedInstance>;
  config: PrivacyConfig;
  codec: PayloadCodec;
  audit: AuditLog;
  logger: Logger;
  metrics: GatewayMetrics;
  /** The cipher payloads are sealed with (its primary key seals new rows); undefined when encryption is off. */
  cipher?: EnvelopeCipher | undefined;
}

/**
 * The gateway's privacy area: the blind index of the identifiers jobs name, restrictions of processing, and
 * erasure requests (resumed by {@link start}'s background pass after a crash or once the subject's running jobs
 * finished). Without `privacy.indexKey` nothing is indexed and {@link requireIndex} refuses with 503.
 */
export class Privacy {
  readonly index: BlindIndex | undefined;
  readonly restrictions: Restrictions;
  readonly erasure: ErasureEngine;
  readonly retention: RetentionPurger;
  /** Sync dead letters and what connectors keep themselves (statuses, synced rows). */
  readonly held: HeldData;
  /** Re-sealing rows with the primary key, started through the operator API. */
  readonly keyRotation: KeyRotation;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(readonly deps: PrivacyDeps) {
    this.index = deps.config.indexKey ? new BlindIndex(deps.config.indexKey, deps.config.defaultRegion) : undefined;
    this.restrictions = new Restrictions(deps.sql);
    this.erasure = new ErasureEngine(deps.sql, deps.config.erasureBatch);
    this.held = new HeldData({ ...deps, index: this.index });
    this.keyRotation = new KeyRotation(deps.sql, deps.cipher, deps.logger);
    this.retention = new RetentionPurger({
      ...deps,
      config: deps.config,
      instances: [...deps.instances.keys()],
      connectors: (now) => this.held.purge(now),
    });
  }

  /** The index, or a 503 problem when it is not configured. */
  requireIndex(): BlindIndex {
    if (!this.index) throw problem('PRIVACY_UNAVAILABLE', 'Configure privacy.indexKey to find data by subject.');
    return this.index;
  }

  /** Blind-index entries of the identifiers a new job's input names (none without an index key). */
  subjectsOf(job: JobShape & { input: unknown }): SubjectRef[] {
    if (!this.index) return [];
    return subjectRefs(this.index, personalDataOfInput(this.deps.instances, job, job.input));
  }

  /** The job store's masker of finished jobs in the `storeMasked` mode; undefined when payloads are stored as they are. */
  get masker(): StoredPayloadMasker | undefined {
    return this.deps.config.storeMasked
      ? storedPayloadMasker(this.deps.instances, this.deps.config.defaultRegion)
      : undefined;
  }

  /** The store's indexer: entries of a new job. */
  readonly indexer = (job: NewJob): SubjectRef[] => this.subjectsOf(job);

  /** Blind-index entries of a subject's identifiers. */
  refsOf(subject: SubjectIdentifiers): SubjectRef[] {
    return refsOfSubject(this.requireIndex(), subject);
  }

  /** Throws 409 `SUBJECT_RESTRICTED` when one of `refs` is restricted. */
  async assertNotRestricted(refs: readonly SubjectRef[]): Promise<void> {
    const hit = await this.restrictions.restricted(refs);
    if (hit)
      throw problem(
        'SUBJECT_RESTRICTED',
        `The job names a data subject (by ${hit.kind === 'id' ? 'external id' : hit.kind}) whose processing is restricted; lift the restriction first.`,
        { extensions: { identifierKind: hit.kind } },
      );
  }

  /**
   * Erases what is kept about the subject outside the job records (sync dead letters, connectors' own data) while
   * the identifiers are at hand, and adds the counts to request `id`'s receipt. Runs within the request: the stored
   * request holds blind-index entries only, so a background pass could not do it; erasing again is harmless, so a
   * request that failed here is simply repeated.
   */
  async eraseHeld(id: string, subject: SubjectIdentifiers, environment: string): Promise<void> {
    const counts = await this.held.erase(this.held.subjectOf(subject), this.refsOf(subject), environment);
    await this.deps.sql.query(
      `UPDATE relaykit_erasure_requests SET counts = counts || $2::jsonb, updated_at = now() WHERE id = $1`,
      [id, JSON.stringify(counts)],
    );
  }

  /** Runs an erasure request to its end (or until it waits for running jobs) and audits its receipt when done. */
  async runErasure(id: string): Promise<ErasureReceipt | undefined> {
    const result = await this.erasure.run(id);
    if (!result) return undefined;
    const { finishedNow, ...receipt } = result;
    if (finishedNow) await this.auditReceipt(receipt);
    return receipt;
  }

  private async auditReceipt(receipt: ErasureReceipt): Promise<void> {
    await this.deps.audit.record({
      requestId: `erasure:${receipt.id}`,
      apiKeyId: null,
      environment: null,
      method: 'ERASE',
      path: `/v1/privacy/erasure/${receipt.id}`,
      instance: null,
      operation: 'privacy:erasure.receipt',
      jobId: null,
      status: 200,
      durationMs: 0,
      payload: receipt,
    });
  }

  /** One background pass: resumes every open erasure request. */
  async pass(): Promise<void> {
    for (const id of await this.erasure.open()) {
      await this.erasure.resume(id);
      await this.runErasure(id);
    }
  }

  /** Starts the background erasure pass every `intervalMs`, and the retention purge on its own interval. */
  start(intervalMs: number): void {
    if (this.timer) return;
    this.retention.start();
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.pass()
        .catch((err: unknown) => this.deps.logger.warn({ err: String(err) }, 'privacy pass failed; retried next time'))
        .finally(() => {
          this.running = undefined;
        });
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the background pass (waits for one in progress). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([this.running, this.retention.stop(), this.keyRotation.stop()]);
  }
}
