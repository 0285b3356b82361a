import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { AbortedError, inSpan, type Logger, type OperationContext, recordSpan, SpanKind } from '@relaykit/sdk-core';
import type { JobQueue, QueueMessage } from '../queue/types.js';
import type { JobStore, Lease, StoredPayloadMasker } from '../store/job-store.js';
import type { JobError, JobRecord } from '../store/types.js';
import { queueNameOf, type LoadedInstance } from './instances.js';
import { operationOf, webhookOf } from '../util/lookup.js';
import { LeaseKeeper, checkOnRead } from './lease.js';
import type { GatewayMetrics } from './metrics.js';
import { backoffDelay, classifyFailure, toJobError } from './retry.js';
import type { FailureReport } from '../ops/error-groups.js';

/** Options of {@link JobRunner}. */
export interface JobRunnerOptions {
  store: JobStore;
  queue: JobQueue;
  instances: Map<string, LoadedInstance>;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Past this many stalls (its worker died mid-job) a job is dead. */
  stallLimit: number;
  /** Lease of a running job; renewed every third of it. A job whose lease ran out may be taken over, so its holder gives up first (fencing). */
  leaseMs: number;
  workerId?: string;
  /** Told of every failed attempt (the operator API's error groups); its failures are logged, never the job's. */
  failures?: { record(failure: FailureReport): Promise<unknown> };
  /** The privacy area's masker in the `storeMasked` mode: error groups then keep masked messages too. */
  mask?: StoredPayloadMasker | undefined;
}

/** Emitted on {@link JobRunner.events} as `settled` when a job reaches a final or retrying status. */
export interface JobSettled {
  id: string;
  status: JobRecord['status'];
}

/**
 * Runs jobs from the queue: claims the row (so a job runs once at a time), runs the connector's
 * operation or webhook handler under a timeout, then records success, a retry with back-off, or a
 * final failure. Stalls are counted here because bee-queue has no stall limit.
 */
export class JobRunner {
  readonly workerId: string;
  /** `settled` events, for in-process `?wait=` answers. */
  readonly events = new EventEmitter();
  private readonly running = new Map<string, { controller: AbortController; attempt: number }>();
  /** Jobs this worker is taking over from a dead holder, outside the queue (see {@link JobRunner.sweep}). */
  private readonly takeovers = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private draining = false;

  constructor(private readonly options: JobRunnerOptions) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.events.setMaxListeners(0);
  }

  /** Starts consuming every instance's queue at its concurrency, and looking for leases that ran out. */
  start(): void {
    for (const instance of this.options.instances.values()) {
      this.options.queue.process(queueNameOf(instance.name), instance.config.concurrency, (message) =>
        this.handle(message),
      );
    }
    const every = Math.max(100, Math.round(this.options.leaseMs / 4));
    this.sweepTimer = setInterval(() => void this.sweep(), every);
    this.sweepTimer.unref();
  }

  /** Stops looking for expired leases (for tests that play the takeover themselves). */
  stopSweeping(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /**
   * Takes over jobs whose lease ran out, straight from the job store. The queue alone would put a dead worker's job
   * back behind the whole backlog (bee-queue re-queues a stalled job at the tail), and drops a redelivery that comes
   * while the dead holder's lease still runs; this makes takeover time bounded by the lease (plus a quarter of it),
   * whatever the backlog. The claim is atomic, so workers sweeping at once take each job once; the job's queue message,
   * when it comes, finds the job taken and is dropped. At most an instance's concurrency of takeovers run at once here.
   */
  async sweep(): Promise<number> {
    if (this.sweeping || this.draining) return 0;
    this.sweeping = true;
    let started = 0;
    try {
      const expired = await this.options.store.findExpiredLeases([...this.options.instances.keys()]);
      for (const ref of expired) {
        if (this.draining) break;
        const instance = this.options.instances.get(ref.instance);
        if (
          !instance ||
          this.takeovers.size >= instance.config.concurrency ||
          this.running.has(ref.id) ||
          this.takeovers.has(ref.id)
        )
          continue;
        this.takeovers.add(ref.id);
        started++;
        void this.handle({ jobId: ref.id, attempt: ref.attempts })
          .catch((err: unknown) => this.options.logger.warn({ err: String(err), jobId: ref.id }, 'takeover failed'))
          .finally(() => this.takeovers.delete(ref.id));
      }
    } catch (err) {
      this.options.logger.warn({ err: String(err) }, 'looking for expired leases failed');
    } finally {
      this.sweeping = false;
    }
    return started;
  }

  /** Counts a failed attempt in its error group; a failure to count it is logged only. */
  private async reportFailure(job: JobRecord, error: JobError): Promise<void> {
    await this.options.failures
      ?.record({
        environment: job.environment,
        instance: job.instance,
        operation: job.operation,
        jobId: job.id,
        code: error.code,
        message: this.options.mask
          ? (this.options.mask({ ...job, result: null, error }).error?.message ?? error.message)
          : error.message,
      })
      .catch((err: unknown) =>
        this.options.logger.warn({ err: String(err), jobId: job.id }, 'error group not updated'),
      );
  }

  /** Jobs running in this process now. */
  get activeCount(): number {
    return this.running.size;
  }

  /** Processes one queue message. Never throws: every outcome is recorded on the job row. */
  async handle(message: QueueMessage): Promise<void> {
    const { store, logger } = this.options;
    if (this.draining) return;
    const claimedAt = performance.now();
    const claimStarted = Date.now();
    const claim = await store.claim(message.jobId, this.workerId, this.options.leaseMs);
    if (!claim.claimed) {
      if (claim.reason === 'not_due' && claim.job?.runAfter) {
        // Delivered early (a re-enqueue racing a delayed retry): put it back for when it is due.
        const delayMs = Math.max(0, Date.parse(claim.job.runAfter) - Date.now());
        await this.options.queue
          .enqueue(queueNameOf(claim.job.instance), [{ jobId: claim.job.id, attempt: claim.job.attempts }], { delayMs })
          .catch(() => undefined);
      }
      return;
    }
    const job = claim.job;
    // The claim joins the trace the job was submitted in; its context is stored with the job, so the claim that read
    // it is recorded once it is known.
    recordSpan(job.kind === 'webhook' ? `claim ${job.operation}` : `claim ${job.instance}/${job.operation}`, {
      tracer: '@relaykit/gateway',
      startTime: claimStarted,
      endTime: Date.now(),
      ...(job.traceContext ? { parent: job.traceContext } : {}),
      attributes: {
        'relaykit.job.id': job.id,
        'relaykit.job.attempt': job.attempts,
        'relaykit.job.stalled': claim.stalled,
      },
    });
    const instance = this.options.instances.get(job.instance);
    const log = logger.child({
      jobId: job.id,
      instance: job.instance,
      operation: job.operation,
      attempt: job.attempts,
    });
    if (claim.stalled) {
      this.options.metrics.jobOutcomes.inc({ instance: job.instance, operation: job.operation, outcome: 'stalled' });
      log.warn({ stalls: job.stalls }, 'job stalled: its previous worker stopped mid-job');
      if (job.stalls > this.options.stallLimit) {
        const error = {
          code: 'STALL_LIMIT',
          message: `the job stalled ${job.stalls} times (its worker died or hung each time); stall limit is ${this.options.stallLimit}`,
        };
        await store.kill(job.id, error);
        await this.reportFailure(job, error);
        this.options.metrics.jobOutcomes.inc({ instance: job.instance, operation: job.operation, outcome: 'dead' });
        this.events.emit('settled', { id: job.id, status: 'dead' } satisfies JobSettled);
        return;
      }
    }
    if (!instance?.runtime) {
      const error = { code: 'INSTANCE_UNKNOWN', message: `instance ${job.instance} is not configured on this worker` };
      if (await store.fail(job.id, job.attempts, error, { status: 'failed' }, claim.lease))
        await this.reportFailure(job, error);
      this.events.emit('settled', { id: job.id, status: 'failed' } satisfies JobSettled);
      return;
    }
    // One span per attempt, continuing the trace of the request that submitted the job (stored with it, so the
    // trace crosses the queue and any process boundary).
    await inSpan(
      job.kind === 'webhook' ? `process ${job.operation}` : `job ${job.instance}/${job.operation}`,
      {
        kind: SpanKind.CONSUMER,
        tracer: '@relaykit/gateway',
        ...(job.traceContext ? { parent: job.traceContext } : {}),
        attributes: {
          'relaykit.job.id': job.id,
          'relaykit.instance': job.instance,
          'relaykit.operation': job.operation,
          'relaykit.job.attempt': job.attempts,
        },
      },
      () => this.execute(job, claim.lease, claimedAt, instance, log),
    );
  }

  private async execute(
    job: JobRecord,
    lease: Lease,
    claimedAt: number,
    instance: LoadedInstance,
    log: Logger,
  ): Promise<void> {
    const { store, metrics } = this.options;
    const runtime = instance.runtime!;
    const controller = new AbortController();
    this.running.set(job.id, { controller, attempt: job.attempts });
    const timeout = setTimeout(
      () => controller.abort(new AbortedError(`attempt timed out after ${instance.config.timeout} ms`)),
      instance.config.timeout,
    );
    // Fencing: the keeper renews the lease while the operation runs and aborts its signal before
    // another worker could take the job over; every write below names the claim's token.
    const keeper = new LeaseKeeper({
      store,
      jobId: job.id,
      lease,
      leaseMs: this.options.leaseMs,
      claimedAt,
      onLost: (error) => {
        metrics.jobOutcomes.inc({ instance: job.instance, operation: job.operation, outcome: 'lease_lost' });
        log.warn(
          { err: error.message },
          'lease lost: aborting the attempt; its outcome will not be recorded over another claim',
        );
        controller.abort(error);
      },
    });
    checkOnRead(controller.signal, () => void keeper.holds());
    const started = performance.now();
    const isWebhook = job.kind === 'webhook';
    const operation = isWebhook ? undefined : operationOf(instance.connector, job.operation);
    const idempotent = isWebhook ? true : (operation?.idempotent ?? false);
    // Every attempt of one job carries the same key — the client's (scoped by API key) or the job's own — so a
    // connector's safe re-send (e.g. a WhatsApp message after a timeout) reaches the upstream once across retries.
    const idempotencyKey = job.idempotencyKey ? `${job.apiKeyId}:${job.idempotencyKey}` : `job:${job.id}`;
    try {
      if (!keeper.holds()) {
        // Stalled between the claim and here: never start the upstream call without the lease. Nothing
        // ran, so the attempt is handed back (not counted) if the job is still ours.
        if (await store.handBack(job.id, lease, job.attempts)) {
          await this.options.queue
            .enqueue(queueNameOf(job.instance), [{ jobId: job.id, attempt: job.attempts - 1, tag: `l${job.attempts}` }])
            .catch(() => undefined);
        }
        log.warn('lease ran out before the operation started; not calling it');
        return;
      }
      let result: unknown = null;
      if (isWebhook) {
        const webhook = webhookOf(instance.connector, job.operation.slice('webhook:'.length));
        const ctx: OperationContext<unknown> = {
          ...runtime.services,
          instance: instance.name,
          state: runtime.state,
          signal: controller.signal,
          attempt: job.attempts,
          idempotencyKey,
          progress: () => undefined,
        };
        await webhook?.handle?.(ctx, job.input);
      } else {
        result = await runtime.run(job.operation, job.input as never, {
          signal: controller.signal,
          attempt: job.attempts,
          idempotencyKey,
        });
      }
      if (!(await store.succeed(job.id, job.attempts, result, lease))) {
        log.warn('job finished after another worker took it over (lease lost); this result is not recorded');
        return;
      }
      metrics.jobOutcomes.inc({ instance: job.instance, operation: job.operation, outcome: 'succeeded' });
      metrics.jobDuration.observe(
        { instance: job.instance, operation: job.operation, outcome: 'succeeded' },
        (performance.now() - started) / 1000,
      );
      this.events.emit('settled', { id: job.id, status: 'succeeded' } satisfies JobSettled);
    } catch (error) {
      if (this.draining && controller.signal.aborted) {
        // Shutdown deadline passed: hand the job back instead of burning an attempt.
        if (!(await store.handBack(job.id, lease, job.attempts).catch(() => false))) return;
        await this.options.queue
          .enqueue(queueNameOf(job.instance), [{ jobId: job.id, attempt: job.attempts - 1, tag: `h${job.attempts}` }])
          .catch(() => undefined);
        log.warn('job handed back at shutdown');
        return;
      }
      // The lease ran out (a freeze, a database too slow to renew) and the attempt was cut off: whatever the operation
      // made of the abort (an `ABORTED` from the transport, a bare AbortError), the attempt ended because of the lease.
      const lost = keeper.reason;
      const failure = lost && controller.signal.aborted && controller.signal.reason === lost ? lost : error;
      const decision = classifyFailure(failure, { attempt: job.attempts, idempotent }, instance.connector.classify);
      const policy = instance.config.retry;
      const retryable = decision.action !== 'fatal';
      const jobError = toJobError(failure, retryable);
      let status: 'retrying' | 'failed' | 'dead';
      if (!retryable) status = 'failed';
      // A manual retry gives a fresh budget: attempts before it (still numbered in the history) do not count.
      else if (job.attempts - job.attemptBase >= Math.min(job.maxAttempts, policy.attempts)) status = 'dead';
      else status = 'retrying';
      if (status === 'retrying') {
        const delayMs = backoffDelay(
          policy,
          job.attempts - job.attemptBase,
          decision.action === 'retry_after' ? decision.delayMs : undefined,
        );
        if (
          !(await store.fail(
            job.id,
            job.attempts,
            jobError,
            { status, runAfter: new Date(Date.now() + delayMs) },
            lease,
          ))
        )
          return;
        await this.reportFailure(job, jobError);
        await this.options.queue
          .enqueue(queueNameOf(job.instance), [{ jobId: job.id, attempt: job.attempts }], { delayMs })
          .catch((err: unknown) =>
            // Recorded as retrying with its due time: the reconciler sends it once the queue is back.
            log.warn({ err: String(err) }, 'could not enqueue the retry; the reconciler will send it'),
          );
        log.warn({ err: jobError, delayMs }, 'job attempt failed; retrying');
      } else {
        if (!(await store.fail(job.id, job.attempts, jobError, { status }, lease))) return;
        await this.reportFailure(job, jobError);
        log.error({ err: jobError, status }, 'job failed');
      }
      metrics.jobOutcomes.inc({ instance: job.instance, operation: job.operation, outcome: status });
      metrics.jobDuration.observe(
        { instance: job.instance, operation: job.operation, outcome: 'failed' },
        (performance.now() - started) / 1000,
      );
      this.events.emit('settled', { id: job.id, status } satisfies JobSettled);
    } finally {
      clearTimeout(timeout);
      keeper.stop();
      this.running.delete(job.id);
    }
  }

  /**
   * Stops taking jobs; jobs still running when `deadlineMs` passes are aborted and handed back
   * (due again at once, attempt not counted), so nothing accepted is lost.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.draining = true;
    clearInterval(this.sweepTimer);
    const until = Date.now() + deadlineMs;
    while (this.running.size && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (const { controller } of this.running.values())
      controller.abort(new AbortedError('the worker is shutting down'));
    const grace = Date.now() + 2000;
    while (this.running.size && Date.now() < grace) await new Promise((r) => setTimeout(r, 20));
  }
}
