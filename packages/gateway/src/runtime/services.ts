import {
  HttpClient,
  createRateLimiter,
  createResiliencePolicy,
  type CircuitStateName,
  type ResiliencePolicy,
  type ConnectorServices,
  type HttpClientOptions,
  type Logger,
  type RateLimiter,
  type RateLimitRules,
} from '@relaykit/sdk-core';
import type { GatewayMetrics } from './metrics.js';

const CIRCUIT_VALUE: Record<CircuitStateName, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };

/** A limiter whose waits are measured. */
function measured(
  limiter: RateLimiter,
  metrics: GatewayMetrics | undefined,
  instance: string,
  name: string,
): RateLimiter {
  if (!metrics) return limiter;
  return {
    async acquire(key, cost, options) {
      const started = performance.now();
      try {
        await limiter.acquire(key, cost, options);
      } finally {
        metrics.rateLimitWait.observe({ instance, limiter: name }, (performance.now() - started) / 1000);
      }
    },
    tryAcquire: (key, cost) => limiter.tryAcquire(key, cost),
    penalize: (key, ms) => limiter.penalize(key, ms),
    close: () => limiter.close(),
  };
}

/** What the gateway hands one instance, plus what it must close afterwards and the breakers to report. */
export interface InstanceServices {
  services: Pick<
    ConnectorServices,
    'rateLimiter' | 'createRateLimiter' | 'createHttpClient' | 'createResiliencePolicy'
  >;
  /** Breaker state per upstream, for `/readyz`. */
  circuits(): Record<string, CircuitStateName>;
  close(): Promise<void>;
}

/**
 * Builds an instance's HTTP clients and rate limiters with the gateway's observability wired in:
 * upstream calls by status, their durations, circuit states and rate-limit waits become metrics.
 */
export function instanceServices(options: {
  instance: string;
  logger: Logger;
  redisUrl?: string | undefined;
  prefix: string;
  rateLimits: RateLimitRules;
  metrics?: GatewayMetrics;
}): InstanceServices {
  const { instance, metrics } = options;
  const owned: Array<{ close(): Promise<void> }> = [];
  const breakers = new Map<string, { readonly circuitState: CircuitStateName }>();
  const limiter = (name: string, rules: RateLimitRules) => {
    const created = createRateLimiter({
      rules,
      ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
      prefix: `${options.prefix}:rl:${instance}${name === 'instance' ? '' : `:${name}`}`,
    });
    owned.push(created);
    return measured(created, metrics, instance, name);
  };
  // Every breaker an instance uses, whether inside an HTTP client or a connector's own policy, is reported.
  const watch = (upstream: string, policy: ResiliencePolicy) => {
    breakers.set(upstream, policy);
    metrics?.circuitState.set({ instance, upstream }, CIRCUIT_VALUE[policy.circuitState] ?? 0);
    policy.onCircuitStateChange((state) =>
      metrics?.circuitState.set({ instance, upstream }, CIRCUIT_VALUE[state] ?? 0),
    );
  };
  return {
    services: {
      createResiliencePolicy: (policyOptions) => {
        const policy = createResiliencePolicy(policyOptions);
        watch(policyOptions.name ?? 'upstream', policy);
        return policy;
      },
      rateLimiter: limiter('instance', options.rateLimits),
      createRateLimiter: (name, rules) => limiter(name, rules),
      createHttpClient: (httpOptions: HttpClientOptions) => {
        const upstreamHooks = httpOptions.hooks;
        const client = new HttpClient({
          logger: options.logger,
          ...httpOptions,
          hooks: {
            onRequestStart: (event) => upstreamHooks?.onRequestStart?.(event),
            onRequestEnd: (event) => {
              metrics?.upstreamCalls.inc({
                instance,
                upstream: event.upstream,
                status: event.status === undefined ? (event.errorCode ?? 'error') : String(event.status),
              });
              metrics?.upstreamDuration.observe({ instance, upstream: event.upstream }, event.durationMs / 1000);
              upstreamHooks?.onRequestEnd?.(event);
            },
          },
        });
        owned.push(client);
        const policy = client.policy;
        if (policy)
          watch(httpOptions.upstream ?? (httpOptions.baseUrl ? new URL(httpOptions.baseUrl).host : 'upstream'), policy);
        return client;
      },
    },
    circuits: () => Object.fromEntries([...breakers].map(([upstream, policy]) => [upstream, policy.circuitState])),
    async close() {
      for (const service of owned.reverse()) await service.close().catch(() => undefined);
    },
  };
}
