import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyConnector, ConnectorDemoSample, Logger, RunningConnectorDemo } from '@relaykit/sdk-core';
import pino from 'pino';
import { parseConfig } from '../config/index.js';
import { Gateway } from '../gateway.js';
import { findConnectorPackages, loadConnectorDemo } from './discover.js';
import { PortInUseError } from './port.js';
import { DEMO_SCHEDULES } from '../schedules/demo.js';

/** One started connector demo, under the instance name it got. */
interface DemoPart {
  instance: string;
  connector: AnyConnector;
  running: RunningConnectorDemo;
}

/** Where connector packages are looked for: the directory the command runs in, and the gateway's own. */
function searchDirs(): string[] {
  return [process.cwd(), dirname(fileURLToPath(import.meta.url))];
}

/** The webhook route the gateway serves for `webhook` of `instance` (its first webhook has the short one). */
function webhookPath(instance: string, webhooks: string[], webhook?: string): string {
  return webhook === undefined || webhook === webhooks[0]
    ? `/v1/webhooks/${instance}`
    : `/v1/webhooks/${instance}/${webhook}`;
}

/** Listens on `port` (0: any) for a moment: the port it got, or undefined when `port` is taken. */
async function tryPort(host: string, port: number): Promise<number | undefined> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error),
    );
    server.listen(port, host, () => {
      const { port: got } = server.address() as { port: number };
      server.close(() => resolve(got));
    });
  });
}

/** The demo's default port; when it is taken (and none was asked for), the demo picks a free one and says so. */
export const DEMO_DEFAULT_PORT = 8080;

/** What {@link startDemo} returns. */
export interface Demo {
  gateway: Gateway;
  url: string;
  apiKey: string;
  /** A key with the `admin:keys` scope: creates, lists and revokes the environment's keys via `/v1/admin/keys`. */
  adminKey: string;
  /** The console's demo login: an admin of "development" with a password made at start (printed once). */
  consoleLogin: { name: string; password: string };
  /** Jobs submitted at start that the fakes refuse on purpose (see `ConnectorDemoSample.failsOnPurpose`). */
  failingJobIds: string[];
  /** The curl lines printed (after `export RELAYKIT_URL=… RELAYKIT_KEY=… RELAYKIT_ADMIN_KEY=…`). */
  curlLines: string[];
  /** Names of the demo instances that started. */
  instances: string[];
  /** The fake upstreams by instance name. */
  fakes: Record<string, unknown>;
  /** The bearer token `/metrics` answers. */
  metricsToken: string;
  close(): Promise<void>;
}

const samplePath = (instance: string, sample: ConnectorDemoSample) => `/v1/${instance}/${sample.operation}`;

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Starts the demo of every installed connector package (its fake upstream, from the package's `./testing` entry)
 * in this process and a gateway wired to them on embedded engines (or DATABASE_URL/REDIS_URL when set), creates a
 * demo key and an admin key and prints curl lines. The gateway names no connector: a package takes part when its
 * package.json says `"relaykit": { "connector": true }` and its `./testing` entry exports a `demo`.
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
    /** The port tried when `port` is not given (default `DEMO_DEFAULT_PORT`); tests use their own. */
    defaultPort?: number;
    /** Connector packages to demo (default: every installed one). */
    connectors?: string[] | undefined;
    /** Directories whose `node_modules` (and their parents') hold the connector packages (default: cwd and the gateway's). */
    searchFrom?: string[];
  } = {},
): Promise<Demo> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const env = options.env ?? process.env;
  const host = options.host ?? '127.0.0.1';
  // The port is fixed before anything starts so fake upstreams know where to post webhooks.
  let port: number;
  if (options.port === undefined) {
    const preferred = options.defaultPort ?? DEMO_DEFAULT_PORT;
    port = ((await tryPort(host, preferred)) ?? (await tryPort(host, 0)))!;
    if (port !== preferred)
      out(
        `demo: port ${preferred} is in use, so the demo listens on ${port} instead (choose one with -p <port> or PORT=<port>)`,
      );
  } else {
    const got = await tryPort(host, options.port);
    if (got === undefined) throw new PortInUseError(options.port, host);
    port = got;
  }
  const gatewayUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const from = options.searchFrom ?? searchDirs();
  const packages = options.connectors?.length
    ? options.connectors
    : (await findConnectorPackages(from)).map((p) => p.name);
  const parts: DemoPart[] = [];
  const stopAll = () => Promise.allSettled(parts.map((p) => p.running.stop()));
  for (const name of packages) {
    try {
      const demo = await loadConnectorDemo(name, from);
      // Two demos suggesting one name (or one connector twice) get distinct instances.
      let instance = demo.instance;
      for (let n = 2; parts.some((p) => p.instance === instance); n++) instance = `${demo.instance}-${n}`;
      const webhooks = Object.keys(demo.connector.webhooks ?? {});
      const running = await demo.start({
        instance,
        webhookUrl: (webhook) => `${gatewayUrl}${webhookPath(instance, webhooks, webhook)}`,
        webhookDuplicates: options.webhookDuplicates,
      });
      parts.push({ instance, connector: demo.connector, running });
    } catch (error) {
      out(`demo: ${name} skipped (${(error as Error).message.split('\n')[0]})`);
    }
  }
  const config = parseConfig(
    {
      server: { port, host },
      // /metrics needs a token: RELAYKIT_METRICS_TOKEN, or one made for this run and printed below.
      metrics: { token: env.RELAYKIT_METRICS_TOKEN || `mt_${randomBytes(24).toString('base64url')}` },
      ...(options.redisPrefix ? { redis: { prefix: options.redisPrefix } } : {}),
      environments: ['development'],
      // Subject access and erasure work on the demo (a fresh index key each run: the demo's data is throwaway too).
      privacy: { indexKey: randomBytes(32).toString('base64'), defaultRegion: 'NP' },
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
            config: p.running.config,
            retry: { attempts: 5, delay: '500ms' },
            ...(DEMO_SCHEDULES[p.instance] ? { schedules: DEMO_SCHEDULES[p.instance] } : {}),
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
    await stopAll();
    throw error;
  }
  let url: string;
  let secret: string;
  let adminKey: string;
  let lookupId: string | undefined;
  const failing: Array<{ id: string; title: string }> = [];
  // Random at every start: a demo pointed at a real DATABASE_URL must not leave a well-known password behind.
  const consoleLogin = { name: 'admin', password: randomBytes(9).toString('base64url') };
  try {
    url = await gateway.listen(config.server.port, config.server.host);
    ({ secret } = await gateway.keys.create({ name: 'demo', environment: 'development', scopes: ['*'] }));
    ({ secret: adminKey } = await gateway.keys.create({
      name: 'demo-admin',
      environment: 'development',
      scopes: ['admin:keys', 'admin:privacy'],
    }));
    const existing = await gateway.users.credentials(consoleLogin.name);
    if (existing) await gateway.users.update(existing.id, { role: 'admin', password: consoleLogin.password });
    else await gateway.users.create({ ...consoleLogin, role: 'admin', environment: 'development' });
    // A job run at start, so the lookup line below names a real id.
    const atStart = parts
      .flatMap((part) => part.running.samples.map((sample) => ({ part, sample })))
      .find(({ sample }) => sample.runAtStart);
    if (atStart) {
      const { part, sample } = atStart;
      const res = await fetch(`${url}${samplePath(part.instance, sample)}?wait=5s`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(sample.input),
      });
      lookupId = ((await res.json()) as { id?: string }).id;
    }
    // Calls the fakes refuse on purpose: the console's first visit has a failed job to inspect and retry.
    for (const part of parts)
      for (const sample of part.running.samples.filter((s) => s.failsOnPurpose)) {
        const res = await fetch(`${url}${samplePath(part.instance, sample)}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify(sample.input),
        });
        const id = ((await res.json()) as { id?: string }).id;
        if (id) failing.push({ id, title: sample.title });
      }
  } catch (error) {
    await gateway.close();
    await stopAll();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(port, host);
    throw error;
  }

  const lines: string[] = [];
  for (const part of parts) {
    // Every curl line printed works as printed; the calls that fail on purpose are only in the console.
    for (const sample of part.running.samples.filter((s) => !s.failsOnPurpose)) {
      lines.push(`# ${sample.title}`);
      lines.push(
        `curl -sS -X POST "$RELAYKIT_URL${samplePath(part.instance, sample)}?wait=5s" -H "Authorization: Bearer $RELAYKIT_KEY" -H "Content-Type: application/json" -H "Idempotency-Key: demo-${part.instance}-${sample.operation}" -d ${shellQuote(JSON.stringify(sample.input))}`,
      );
    }
  }
  if (lookupId) {
    lines.push('# Look a job up (this one ran when the demo started; every submit above answers with its own id)');
    lines.push(`curl -sS "$RELAYKIT_URL/v1/jobs/${lookupId}" -H "Authorization: Bearer $RELAYKIT_KEY"`);
  }
  lines.push('# Schedules of the examples: next fire times, last outcome, run history (/v1/schedules/<id>/runs)');
  lines.push('curl -sS "$RELAYKIT_URL/v1/schedules" -H "Authorization: Bearer $RELAYKIT_KEY"');
  lines.push('# Keys: list, create (the secret is in the answer, once) and revoke with DELETE /v1/admin/keys/<id>');
  lines.push('# (or: npx relaykit keys list|create|revoke, which read RELAYKIT_URL and RELAYKIT_ADMIN_KEY)');
  lines.push('curl -sS "$RELAYKIT_URL/v1/admin/keys" -H "Authorization: Bearer $RELAYKIT_ADMIN_KEY"');
  lines.push(
    `curl -sS -X POST "$RELAYKIT_URL/v1/admin/keys" -H "Authorization: Bearer $RELAYKIT_ADMIN_KEY" -H "Content-Type: application/json" -d ${shellQuote(JSON.stringify({ name: 'my-app', scopes: parts[0] ? [`${parts[0].instance}:*`] : ['*'] }))}`,
  );

  out('');
  out(`relaykit gateway (demo) listening on ${url}`);
  out(`engines: ${gateway.describeEngines()}`);
  out(
    `instances: ${parts.map((p) => `${p.instance} → fake ${p.connector.name}`).join(', ') || 'none (no connector package found or none could start; a connector package says "relaykit": { "connector": true } in its package.json)'}`,
  );
  out('');
  out(`demo API key (environment "development", every instance; shown once): ${secret}`);
  out(
    `admin key (scopes admin:keys, admin:privacy: manages keys, answers subject access and erasure; shown once): ${adminKey}`,
  );
  out(`console: ${url}/console    demo login: ${consoleLogin.name} / ${consoleLogin.password} (admin; shown once)`);
  for (const f of failing)
    out(`  a job that fails on purpose, to find in the console (Jobs, status failed) and retry: ${f.id} — ${f.title}`);
  out(`API docs: ${url}/docs    OpenAPI: ${url}/openapi.json    health: ${url}/readyz    metrics: ${url}/metrics`);
  out(
    'The docs list the instances to a caller with a key (curl -H "Authorization: Bearer $RELAYKIT_KEY" $RELAYKIT_URL/openapi.json).',
  );
  out(`metrics token (Authorization: Bearer …): ${config.metrics.token}`);
  out('');
  out(`export RELAYKIT_URL=${url} RELAYKIT_KEY=${secret} RELAYKIT_ADMIN_KEY=${adminKey}`);
  for (const line of lines) out(line);
  out('');
  out('Ctrl-C stops the gateway gracefully.');

  return {
    gateway,
    url,
    apiKey: secret,
    adminKey,
    consoleLogin,
    failingJobIds: failing.map((f) => f.id),
    curlLines: lines.filter((l) => l.startsWith('curl ')),
    instances: parts.map((p) => p.instance),
    fakes: Object.fromEntries(parts.map((p) => [p.instance, p.running.fake])),
    metricsToken: config.metrics.token!,
    async close() {
      await gateway.close();
      await stopAll();
    },
  };
}
