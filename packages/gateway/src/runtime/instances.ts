import {
  instantiateConnector,
  type AnyConnector,
  type ConnectorInstance,
  type DeadLetterSink,
  type IdempotencyStore,
  type Logger,
  type SqlClient,
} from '@relaykit/sdk-core';
import type { GatewayMetrics } from './metrics.js';
import { instanceServices, type InstanceServices } from './services.js';
import type { GatewayConfig, InstanceConfig } from '../config/schema.js';
import { ConfigError } from '../errors/index.js';
import { loadConnector } from '../plugins/load.js';

/** A configured connector instance the gateway serves. */
export interface LoadedInstance {
  name: string;
  environment: string;
  config: InstanceConfig;
  /** The instance's connector configuration as parsed by the connector's schema. */
  connectorConfig: unknown;
  connector: AnyConnector;
  /** The connector set up for this instance. */
  runtime?: ConnectorInstance<AnyConnector>;
  /** The HTTP clients and limiters the gateway built for it. */
  services?: InstanceServices;
}

/** Where connectors come from: already-imported objects (embedding, tests) win over module specifiers. */
export type ConnectorSource = Record<string, AnyConnector>;

/** Loads every configured instance's connector and checks each instance's configuration against the connector's schema. */
export async function loadInstances(
  config: GatewayConfig,
  options: { connectors?: ConnectorSource; baseDir?: string } = {},
): Promise<Map<string, LoadedInstance>> {
  const out = new Map<string, LoadedInstance>();
  const problems: Array<{ path: string; message: string }> = [];
  for (const [name, instance] of Object.entries(config.instances)) {
    try {
      const connector =
        options.connectors?.[instance.connector] ??
        (await loadConnector(instance.connector, { exportName: instance.export, baseDir: options.baseDir }));
      const parsed = connector.config.safeParse(instance.config);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          problems.push({
            path: ['instances', name, 'config', ...issue.path.map(String)].join('.'),
            message: issue.message,
          });
        continue;
      }
      out.set(name, {
        name,
        environment: instance.environment,
        config: instance,
        connectorConfig: parsed.data,
        connector,
      });
    } catch (error) {
      problems.push({ path: `instances.${name}.connector`, message: (error as Error).message });
    }
  }
  if (problems.length) throw new ConfigError('Invalid gateway configuration:', problems);
  return out;
}

/** Runs each connector's `setup` for its instance (done once per process that runs jobs). */
export async function setUpInstances(
  instances: Map<string, LoadedInstance>,
  services: {
    logger: Logger;
    redisUrl?: string | undefined;
    prefix?: string;
    idempotency?: IdempotencyStore;
    metrics?: GatewayMetrics;
    database?: SqlClient;
    /** The dead-letter sink of an instance's syncs (the operator API's store). */
    deadLetters?: (instance: LoadedInstance) => DeadLetterSink;
  },
): Promise<void> {
  for (const instance of instances.values()) {
    if (instance.runtime) continue;
    const logger = services.logger.child({ instance: instance.name, connector: instance.connector.name });
    const built = instanceServices({
      instance: instance.name,
      logger,
      redisUrl: services.redisUrl,
      prefix: services.prefix ?? 'relaykit',
      metrics: services.metrics,
      rateLimits: instance.config.rateLimits.map((w) => ({
        limit: w.limit,
        windowMs: w.window,
        ...(w.burst ? { burst: w.burst } : {}),
      })),
    });
    try {
      instance.runtime = await instantiateConnector(instance.connector, {
        instance: instance.name,
        config: instance.config.config,
        logger,
        redisUrl: services.redisUrl,
        ...(services.database ? { database: services.database } : {}),
        ...(services.deadLetters ? { deadLetters: services.deadLetters(instance) } : {}),
        ...built.services,
        ...(services.idempotency ? { idempotency: services.idempotency } : {}),
      });
      instance.services = built;
    } catch (error) {
      await built.close();
      throw error;
    }
  }
}

/** Runs each instance's teardown. */
export async function tearDownInstances(instances: Map<string, LoadedInstance>): Promise<void> {
  for (const instance of instances.values()) {
    const { runtime, services } = instance;
    instance.runtime = undefined;
    instance.services = undefined;
    await runtime?.close().catch(() => undefined);
    await services?.close();
  }
}

/** The queue an instance's jobs go through. */
export const queueNameOf = (instance: string) => `jobs.${instance}`;
