import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The gateway's Prometheus metrics, on a registry of its own (several gateways may share a process in tests). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'relaykit_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'relaykit_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'relaykit_job_duration_seconds',
    help: 'Job attempt duration by instance, operation and outcome',
    labelNames: ['instance', 'operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [this.registry],
  });
  readonly jobOutcomes = new Counter({
    name: 'relaykit_jobs_total',
    help: 'Job attempts by instance, operation and outcome (succeeded, retrying, failed, dead, stalled, lease_lost)',
    labelNames: ['instance', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'relaykit_queue_depth',
    help: 'Messages per queue and state',
    labelNames: ['instance', 'state'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'relaykit_rate_limited_total',
    help: 'Requests refused by a per-key rate limit',
    labelNames: ['key'] as const,
    registers: [this.registry],
  });
  readonly webhooks = new Counter({
    name: 'relaykit_webhook_events_total',
    help: 'Webhook events by instance and outcome (recorded, duplicate, rejected)',
    labelNames: ['instance', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly upstreamCalls = new Counter({
    name: 'relaykit_upstream_requests_total',
    help: 'Upstream HTTP attempts by instance, upstream and status (or error code)',
    labelNames: ['instance', 'upstream', 'status'] as const,
    registers: [this.registry],
  });
  readonly upstreamDuration = new Histogram({
    name: 'relaykit_upstream_request_duration_seconds',
    help: 'Upstream HTTP attempt duration',
    labelNames: ['instance', 'upstream'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly circuitState = new Gauge({
    name: 'relaykit_circuit_state',
    help: 'Circuit breaker per upstream: 0 closed, 1 half-open, 2 open, 3 isolated',
    labelNames: ['instance', 'upstream'] as const,
    registers: [this.registry],
  });
  readonly rateLimitWait = new Histogram({
    name: 'relaykit_rate_limit_wait_seconds',
    help: 'Time jobs waited for an outbound rate limiter',
    labelNames: ['instance', 'limiter'] as const,
    buckets: [0, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [this.registry],
  });
  readonly reconciled = new Counter({
    name: 'relaykit_reconciled_jobs_total',
    help: 'Accepted jobs re-enqueued by the reconciler',
    registers: [this.registry],
  });

  readonly purged = new Counter({
    name: 'relaykit_retention_purged_rows_total',
    help: 'Rows purged by retention, by data class and action (delete, erasePayload)',
    labelNames: ['class', 'action'] as const,
    registers: [this.registry],
  });
  readonly purgeRuns = new Counter({
    name: 'relaykit_retention_runs_total',
    help: 'Retention purge runs by outcome (completed, skipped: another process held the purge, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly purgeDuration = new Histogram({
    name: 'relaykit_retention_run_duration_seconds',
    help: 'Duration of retention purge runs',
    buckets: [0.01, 0.1, 0.5, 1, 5, 30, 120, 600],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'relaykit_' });
  }
}
