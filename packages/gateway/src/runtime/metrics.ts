import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric the gateway exports (`relaykit_<name>`) and what it counts: one table, read by `/metrics`'s HELP. */
const HELP = {
  http_requests_total: 'HTTP requests by route, method and status',
  http_request_duration_seconds: 'HTTP request duration by route',
  job_duration_seconds: 'Job attempt duration by instance, operation and outcome',
  jobs_total:
    'Job attempts by instance, operation and outcome (succeeded, retrying, failed, dead, stalled, lease_lost)',
  queue_depth: 'Messages per queue and state',
  rate_limited_total: 'Requests refused by a per-key rate limit',
  webhook_events_total: 'Webhook events by instance and outcome (recorded, duplicate, rejected)',
  upstream_requests_total: 'Upstream HTTP attempts by instance, upstream and status (or error code)',
  upstream_request_duration_seconds: 'Upstream HTTP attempt duration',
  circuit_state: 'Circuit breaker per upstream: 0 closed, 1 half-open, 2 open, 3 isolated',
  rate_limit_wait_seconds: 'Time jobs waited for an outbound rate limiter',
  reconciled_jobs_total: 'Accepted jobs re-enqueued by the reconciler',
  retention_purged_rows_total: 'Rows purged by retention, by data class and action (delete, erasePayload)',
  retention_runs_total: 'Retention purge runs by outcome (completed, skipped: another process held the purge, failed)',
  retention_run_duration_seconds: 'Duration of retention purge runs',
} as const;
type Name = keyof typeof HELP;

// Histogram buckets (seconds) per kind of wait.
const FAST = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
const JOB = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120];
const UPSTREAM = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const WAIT = [0, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120];
const RUN = [0.01, 0.1, 0.5, 1, 5, 30, 120, 600];

/** The gateway's Prometheus metrics, on a registry of its own (several gateways may share a process in tests). */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly spec = <L extends string>(name: Name, labelNames: readonly L[]) => ({
    name: `relaykit_${name}`,
    help: HELP[name],
    labelNames,
    registers: [this.registry],
  });

  readonly httpRequests = new Counter(this.spec('http_requests_total', ['route', 'method', 'status']));
  readonly httpDuration = new Histogram({
    ...this.spec('http_request_duration_seconds', ['route', 'method']),
    buckets: FAST,
  });
  readonly jobDuration = new Histogram({
    ...this.spec('job_duration_seconds', ['instance', 'operation', 'outcome']),
    buckets: JOB,
  });
  readonly jobOutcomes = new Counter(this.spec('jobs_total', ['instance', 'operation', 'outcome']));
  readonly queueDepth = new Gauge(this.spec('queue_depth', ['instance', 'state']));
  readonly rateLimited = new Counter(this.spec('rate_limited_total', ['key']));
  readonly webhooks = new Counter(this.spec('webhook_events_total', ['instance', 'outcome']));
  readonly upstreamCalls = new Counter(this.spec('upstream_requests_total', ['instance', 'upstream', 'status']));
  readonly upstreamDuration = new Histogram({
    ...this.spec('upstream_request_duration_seconds', ['instance', 'upstream']),
    buckets: UPSTREAM,
  });
  readonly circuitState = new Gauge(this.spec('circuit_state', ['instance', 'upstream']));
  readonly rateLimitWait = new Histogram({
    ...this.spec('rate_limit_wait_seconds', ['instance', 'limiter']),
    buckets: WAIT,
  });
  readonly reconciled = new Counter(this.spec('reconciled_jobs_total', []));
  readonly purged = new Counter(this.spec('retention_purged_rows_total', ['class', 'action']));
  readonly purgeRuns = new Counter(this.spec('retention_runs_total', ['outcome']));
  readonly purgeDuration = new Histogram({ ...this.spec('retention_run_duration_seconds', []), buckets: RUN });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'relaykit_' });
  }
}
