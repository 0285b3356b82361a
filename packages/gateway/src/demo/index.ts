import { randomBytes } from 'node:crypto';
import { isConnector, type AnyConnector, type Logger } from '@relaykit/sdk-core';
import pino from 'pino';
import { parseConfig } from '../config/index.js';
import { Gateway } from '../gateway.js';

/** One connector of the demo: its fake upstream, instance config and a ready-to-paste curl line. */
interface DemoPart {
  instance: string;
  connector: AnyConnector;
  config: unknown;
  /** Curl lines (`$URL` and `$KEY` are filled in). */
  curl: Array<{ title: string; method: 'POST'; path: string; body: unknown }>;
  /** The fake upstream (tests look inside). */
  fake?: unknown;
  close(): Promise<void>;
}

// Imported by name at run time (not bundled): the connectors are workspace packages / optional peers.
const load = (specifier: string) => import(/* @vite-ignore */ specifier) as Promise<Record<string, unknown>>;

function pick(mod: Record<string, unknown>, name: string): AnyConnector {
  const value = mod[name];
  if (!isConnector(value)) throw new Error(`${name} is not exported as a connector yet`);
  return value as AnyConnector;
}

async function salesforce(): Promise<DemoPart> {
  const [mod, testing] = await Promise.all([
    load('@relaykit/connector-salesforce'),
    load('@relaykit/connector-salesforce/testing'),
  ]);
  const connector = pick(mod, 'salesforceConnector');
  const fake = await (
    testing.startFakeOrg as (o?: unknown) => Promise<{ url: string; loginUrl: string; close(): Promise<void> }>
  )({ externalIdFields: { Contact: ['Ext__c', 'Email', 'Donor_Id__c'], Account: ['Ext__c'] } });
  return {
    instance: 'sf-demo',
    connector,
    config: {
      instanceUrl: fake.url,
      auth: { flow: 'client_credentials', clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
    },
    curl: [
      {
        title: 'Salesforce: upsert a Contact by external id',
        method: 'POST',
        path: '/v1/sf-demo/upsert',
        body: (connector.operations.upsert?.example as unknown) ?? {
          sobject: 'Contact',
          externalIdField: 'Ext__c',
          externalId: 'C-1001',
          record: { LastName: 'Rahimi', Email: 'sara@example.org' },
        },
      },
    ],
    fake,
    close: () => fake.close(),
  };
}

async function mahak(): Promise<DemoPart> {
  const [mod, testing] = await Promise.all([
    load('@relaykit/connector-mahak'),
    load('@relaykit/connector-mahak/testing'),
  ]);
  const connector = pick(mod, 'mahakConnector');
  const fake = await (testing.startFakeMahak as (o?: unknown) => Promise<{ url: string; close(): Promise<void> }>)({
    seed: { Person: 20, Product: 20, ProductDetail: 20 },
  });
  const sync = {
    title: "Mahak: sync products into the gateway's database",
    method: 'POST' as const,
    path: '/v1/mahak-demo/syncEntity',
    body: { entity: 'Product' },
  };
  const push = {
    title: 'Mahak: push a store order (stable ClientId: a replay creates nothing twice)',
    method: 'POST' as const,
    path: '/v1/mahak-demo/pushOrders',
    body: connector.operations.pushOrders?.example ?? {
      orders: [
        {
          storeOrderId: 'web-1001',
          personId: 1,
          orderDate: new Date().toISOString(),
          details: [{ productDetailId: 1, count1: 2, price: 150000 }],
        },
      ],
    },
  };
  return {
    instance: 'mahak-demo',
    connector,
    // No database URL: synced rows go into the database the gateway hands connectors (PGlite, or PostgreSQL with DATABASE_URL).
    config: { baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: 1 },
    curl: [sync, push],
    fake,
    close: () => fake.close(),
  };
}

async function whatsapp(gatewayUrl: string, duplicates: number): Promise<DemoPart> {
  const [mod, testing] = await Promise.all([
    load('@relaykit/connector-whatsapp'),
    load('@relaykit/connector-whatsapp/testing'),
  ]);
  const connector = pick(mod, 'whatsappConnector');
  const appSecret = 'demo-app-secret';
  // The fake posts delivery statuses (sent → delivered → read) to the gateway's webhook route, signed like Meta does.
  const fake = await (
    testing.startFakeGraph as (
      o?: unknown,
    ) => Promise<{ url: string; accessToken: string; openWindow(waId: string): void; close(): Promise<void> }>
  )({
    accessToken: 'demo-access-token',
    webhook: { url: `${gatewayUrl}/v1/webhooks/wa-demo`, appSecret, duplicates, retryDelaysMs: [200, 500, 1000, 2000] },
  });
  const example = (connector.operations.sendText?.example as { to?: string } | undefined) ?? {
    to: '+9779841234567',
    body: 'School is closed tomorrow.',
  };
  // A customer wrote in first, so the 24-hour window for free-form text is open.
  fake.openWindow(String(example.to ?? '+9779841234567').replace(/\D/g, ''));
  return {
    instance: 'wa-demo',
    connector,
    config: {
      baseUrl: fake.url,
      accessToken: fake.accessToken,
      phoneNumberId: '100000000000001',
      appSecret,
      verifyToken: 'demo-verify-token',
    },
    curl: [
      {
        title: 'WhatsApp: send a text (delivery statuses come back on the webhook route)',
        method: 'POST',
        path: '/v1/wa-demo/sendText',
        body: example,
      },
    ],
    fake,
    close: () => fake.close(),
  };
}

async function freePort(host: string): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What {@link startDemo} returns. */
export interface Demo {
  gateway: Gateway;
  url: string;
  apiKey: string;
  /** Names of the demo instances that started. */
  instances: string[];
  /** The fake upstreams by instance name. */
  fakes: Record<string, unknown>;
  /** The bearer token `/metrics` answers. */
  metricsToken: string;
  close(): Promise<void>;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Starts fake Salesforce, Mahak and WhatsApp upstreams in this process and a gateway wired to them
 * on embedded engines (or DATABASE_URL/REDIS_URL when set), creates a demo key and prints curl lines.
 */
export async function startDemo(
  options: {
    port?: number | undefined;
    host?: string | undefined;
    out?: (line: string) => void;
    env?: NodeJS.ProcessEnv;
    logger?: Logger;
    redisPrefix?: string;
    webhookDuplicates?: number;
  } = {},
): Promise<Demo> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const env = options.env ?? process.env;
  const host = options.host ?? '127.0.0.1';
  // The port is fixed before anything starts so the fake WhatsApp API knows where to post webhooks.
  const port = options.port === undefined ? 8080 : options.port === 0 ? await freePort(host) : options.port;
  const gatewayUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const parts: DemoPart[] = [];
  for (const [name, start] of [
    ['Salesforce', salesforce],
    ['Mahak', mahak],
    ['WhatsApp', () => whatsapp(gatewayUrl, options.webhookDuplicates ?? 0)],
  ] as const) {
    try {
      parts.push(await start());
    } catch (error) {
      out(`demo: ${name} connector skipped (${(error as Error).message.split('\n')[0]})`);
    }
  }
  const config = parseConfig(
    {
      server: { port, host },
      // /metrics needs a token: RELAYKIT_METRICS_TOKEN, or one made for this run and printed below.
      metrics: { token: env.RELAYKIT_METRICS_TOKEN || `mt_${randomBytes(24).toString('base64url')}` },
      ...(options.redisPrefix ? { redis: { prefix: options.redisPrefix } } : {}),
      environments: ['development'],
      apiKeys: {
        rateLimits: [
          { limit: 50, window: '1s' },
          { limit: 1000, window: '1m' },
        ],
      },
      instances: Object.fromEntries(
        parts.map((p) => [
          p.instance,
          {
            connector: p.connector.name,
            environment: 'development',
            config: p.config,
            retry: { attempts: 5, delay: '500ms' },
          },
        ]),
      ),
    },
    env,
  );
  const logger = options.logger ?? (pino({ level: env.LOG_LEVEL ?? 'warn' }) as unknown as Logger);
  let gateway: Gateway;
  try {
    gateway = await Gateway.create({
      config,
      connectors: Object.fromEntries(parts.map((p) => [p.connector.name, p.connector])),
      logger,
    });
  } catch (error) {
    await Promise.allSettled(parts.map((p) => p.close()));
    throw error;
  }
  const url = await gateway.listen(config.server.port, config.server.host);
  const { secret } = await gateway.keys.create({ name: 'demo', environment: 'development', scopes: ['*'] });

  out('');
  out(`relaykit gateway (demo) listening on ${url}`);
  out(`engines: ${gateway.describeEngines()}`);
  out(
    `instances: ${parts.map((p) => `${p.instance} → fake ${p.connector.name}`).join(', ') || 'none (no connector could start)'}`,
  );
  out('');
  out(`demo API key (environment "development", all scopes; shown once): ${secret}`);
  out(`API docs: ${url}/docs    OpenAPI: ${url}/openapi.json    health: ${url}/readyz    metrics: ${url}/metrics`);
  out(
    'The docs list the instances to a caller with a key (curl -H "Authorization: Bearer $RELAYKIT_KEY" $RELAYKIT_URL/openapi.json).',
  );
  out(`metrics token (Authorization: Bearer …): ${config.metrics.token}`);
  out('');
  out(`export RELAYKIT_URL=${url} RELAYKIT_KEY=${secret}`);
  for (const part of parts) {
    for (const c of part.curl) {
      out(`# ${c.title}`);
      out(
        `curl -sS -X POST "$RELAYKIT_URL${c.path}?wait=5s" -H "Authorization: Bearer $RELAYKIT_KEY" -H "Content-Type: application/json" -H "Idempotency-Key: demo-${part.instance}-${c.path.split('/').pop()}" -d ${shellQuote(JSON.stringify(c.body))}`,
      );
    }
  }
  out('# Look a job up (use an id printed above)');
  out('curl -sS "$RELAYKIT_URL/v1/jobs/<job id>" -H "Authorization: Bearer $RELAYKIT_KEY"');
  out('');
  out('Ctrl-C stops the gateway gracefully.');

  return {
    gateway,
    url,
    apiKey: secret,
    instances: parts.map((p) => p.instance),
    fakes: Object.fromEntries(parts.map((p) => [p.instance, p.fake])),
    metricsToken: config.metrics.token!,
    async close() {
      await gateway.close();
      await Promise.allSettled(parts.map((p) => p.close()));
    },
  };
}
