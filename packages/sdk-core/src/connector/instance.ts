import type { z } from 'zod';
import { createCheckpointStore } from '../checkpoint/index.js';
import { AbortedError, toValidationError } from '../errors/index.js';
import { HttpClient } from '../http/index.js';
import type { HttpClientOptions } from '../http/types.js';
import { createIdempotencyStore } from '../idempotency/index.js';
import { redactingLogger, silentLogger } from '../logging/index.js';
import { createRateLimiter } from '../ratelimit/index.js';
import { createResiliencePolicy } from '../resilience/index.js';
import { createLock } from '../lock/index.js';
import type { RateLimitRules } from '../ratelimit/types.js';
import type { SqlClient } from '../sql/types.js';
import type { AnyConnector, ConnectorServices, OperationContext, OperationInput, OperationOutput } from './types.js';

/** Options of {@link instantiateConnector}. Every service defaults to an in-memory one. */
export interface InstantiateOptions extends Partial<ConnectorServices> {
  /** Instance name (default: the connector's name). */
  instance?: string;
  /** Raw configuration, validated with the connector's `config` schema. */
  config: unknown;
  /** Windows of the instance's own rate limiter when `rateLimiter` is not given. Default: unlimited. */
  rateLimits?: RateLimitRules;
  /** A database connectors may keep synced data in (borrowed: never closed by the instance). */
  database?: SqlClient;
}

/** Options of one run. */
export interface RunOptions {
  signal?: AbortSignal;
  attempt?: number;
  idempotencyKey?: string;
  onProgress?(event: Record<string, unknown>): void;
}

/** A configured, set-up connector ready to run operations. */
export interface ConnectorInstance<C extends AnyConnector> {
  readonly connector: C;
  readonly instance: string;
  /** What `setup` returned. */
  readonly state: C extends { setup(...args: never[]): infer S } ? Awaited<S> : unknown;
  readonly services: ConnectorServices;
  /** Validates `input`, runs operation `name`, validates and returns its output. */
  run<K extends keyof C['operations'] & string>(
    name: K,
    input: OperationInput<C, K>,
    options?: RunOptions,
  ): Promise<OperationOutput<C, K>>;
  /** Runs teardown and closes the services this instance created. */
  close(): Promise<void>;
}

/**
 * Validates a connector's configuration, runs its `setup`, and returns an instance whose
 * operations can be called directly — the embedded way to use a connector.
 *
 * @example
 * ```ts
 * const sf = await instantiateConnector(salesforceConnector, { config: { ... } });
 * const result = await sf.run('upsert', { sobject: 'Contact', externalIdField: 'Ext__c', ... });
 * ```
 */
export async function instantiateConnector<C extends AnyConnector>(
  connector: C,
  options: InstantiateOptions,
): Promise<ConnectorInstance<C>> {
  const parsed = connector.config.safeParse(options.config);
  if (!parsed.success) throw toValidationError(`Invalid configuration for connector ${connector.name}`, parsed.error);
  const instance = options.instance ?? connector.name;
  const owned: Array<{ close(): Promise<void> }> = [];
  const own = <T extends { close(): Promise<void> }>(service: T): T => {
    owned.push(service);
    return service;
  };
  // Connectors log through ctx.logger too: redact here so no connector can leak a secret by accident.
  const logger = redactingLogger(options.logger ?? silentLogger).child({ connector: connector.name, instance });
  const redisUrl = options.redisUrl;

  const services: ConnectorServices = {
    logger,
    redisUrl,
    database: options.database,
    ...(options.deadLetters ? { deadLetters: options.deadLetters } : {}),
    rateLimiter:
      options.rateLimiter ??
      own(createRateLimiter({ rules: options.rateLimits ?? [], redisUrl, prefix: `relaykit:rl:${instance}` })),
    idempotency: options.idempotency ?? own(createIdempotencyStore({ redisUrl, prefix: `relaykit:idem:${instance}` })),
    lock: options.lock ?? own(createLock({ redisUrl, prefix: `relaykit:lock:${instance}` })),
    checkpoints: options.checkpoints ?? own(createCheckpointStore({ redisUrl, prefix: `relaykit:cp:${instance}` })),
    createRateLimiter:
      options.createRateLimiter ??
      ((name, rules) => own(createRateLimiter({ rules, redisUrl, prefix: `relaykit:rl:${instance}:${name}` }))),
    createHttpClient:
      options.createHttpClient ?? ((httpOptions: HttpClientOptions) => own(new HttpClient({ logger, ...httpOptions }))),
    createResiliencePolicy:
      options.createResiliencePolicy ?? ((policyOptions) => createResiliencePolicy(policyOptions)),
  };

  const state = await connector.setup({ ...services, instance, config: parsed.data });

  return {
    connector,
    instance,
    state,
    services,
    async run(name, input, runOptions = {}) {
      const operation = connector.operations[name];
      if (!operation) throw new TypeError(`connector ${connector.name} has no operation ${name}`);
      const inputResult = operation.input.safeParse(input);
      if (!inputResult.success)
        throw toValidationError(`Invalid input for ${connector.name}.${name}`, inputResult.error);
      const signal = runOptions.signal ?? new AbortController().signal;
      if (signal.aborted)
        throw new AbortedError(`${connector.name}.${name} was aborted before it started`, { cause: signal.reason });
      const ctx: OperationContext<unknown> = {
        ...services,
        instance,
        state,
        signal,
        attempt: runOptions.attempt ?? 1,
        idempotencyKey: runOptions.idempotencyKey,
        progress: (event) => runOptions.onProgress?.(event),
      };
      const raw = await operation.run(ctx, inputResult.data);
      const outputResult = (operation.output as z.ZodType).safeParse(raw);
      if (!outputResult.success)
        throw toValidationError(`Output of ${connector.name}.${name} does not match its schema`, outputResult.error);
      return outputResult.data as never;
    },
    async close() {
      await connector.teardown?.(state);
      for (const service of owned.reverse()) await service.close();
    },
  };
}
