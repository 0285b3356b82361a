import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { GatewayConfig } from '../config/index.js';
import { isConfigError } from '../errors/index.js';
import { PortInUseError } from '../demo/port.js';
import { Gateway, type GatewayRole } from '../gateway.js';
import { ApiKeyStore, assertValidScopes, grantsKeyAdmin } from '../keys/keys.js';
import { migrate } from '../store/migrations.js';
import { openSql } from '../store/sql.js';
import { AdminClient } from './admin-client.js';
import { registerEncryptionCommands } from './encryption.js';
import { configOption, readConfig } from './config-file.js';
import type { CliIo } from './io.js';
import { sampleConfig } from './sample-config.js';
import { registerUserCommands } from './users.js';
import { UserStore } from '../users/index.js';
import { gatewayVersion } from './version.js';
import { registerScheduleCommands } from '../schedules/cli.js';

export type { CliIo } from './io.js';

const defaultIo: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
};

/** Stops the gateway on SIGTERM/SIGINT (a second signal exits at once). */
function handleSignals(gateway: { close(): Promise<void> }, io: CliIo): void {
  if (io.signals === false) return;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    io.err(`${signal} received: stopping (finishing or handing back running jobs)…`);
    gateway.close().then(
      () => {
        io.err('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        io.err(`shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return port;
}

/** `PORT` from the environment, when set. */
function envPort(env: NodeJS.ProcessEnv): number | undefined {
  if (!env.PORT) return undefined;
  try {
    return parsePort(env.PORT);
  } catch {
    throw new Error(`PORT=${env.PORT} is not a port (a whole number from 0 to 65535)`);
  }
}

/** Builds the `relaykit` command line. */
export function buildProgram(io: CliIo = defaultIo): Command {
  const program = new Command('relaykit')
    .description(
      'relaykit gateway: serves connector operations as durable jobs over HTTP (OpenAPI 3.1), receives webhooks and runs workers.\n\nEngines: PostgreSQL when DATABASE_URL is set (embedded PGlite otherwise), bee-queue on Redis when REDIS_URL is set (in-memory otherwise).',
    )
    .version(gatewayVersion())
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ relaykit start --demo                    fake upstreams, embedded engines, a demo key and curl lines
  $ relaykit init                            write a commented relaykit.yaml to start from
  $ relaykit migrate -c relaykit.yaml        create or upgrade the database schema
  $ relaykit start -c relaykit.yaml          API + workers in one process
  $ relaykit start -c relaykit.yaml --no-workers   API only; run workers with "relaykit worker"
  $ relaykit keys create --env production --scope sf-prod:upsert --name crm-sync
  $ relaykit users add alice --role admin -c relaykit.yaml   the first console user`,
    );

  program
    .command('start')
    .description('Start the HTTP API and (by default) workers in this process.')
    .addOption(configOption())
    .option(
      '--demo',
      'start the fake upstream of every installed connector package and a gateway wired to them, print a demo key and curl lines',
    )
    .option(
      '--connector <package...>',
      'with --demo: the connector packages to demo (default: every one installed, i.e. whose package.json says "relaykit": { "connector": true })',
    )
    .option(
      '-p, --port <port>',
      'port to listen on (default $PORT, else server.port, else 8080; 0 picks a free one; --demo picks a free one when 8080 is taken)',
      parsePort,
    )
    .option('--host <host>', 'address to bind (overrides server.host)')
    .option('--no-workers', 'serve HTTP only; jobs run in "relaykit worker" processes (needs REDIS_URL)')
    .addHelpText(
      'after',
      '\nStops gracefully on SIGTERM/SIGINT: new requests get 503, running jobs finish within server.shutdownTimeout or are handed back.',
    )
    .action(
      async (options: {
        config?: string;
        demo?: boolean;
        connector?: string[];
        port?: number;
        host?: string;
        workers: boolean;
      }) => {
        const port = options.port ?? envPort(io.env);
        if (options.connector && !options.demo) throw new Error('--connector goes with --demo');
        if (options.demo) {
          const { startDemo } = await import('../demo/index.js');
          const demo = await startDemo({
            port,
            host: options.host,
            out: io.out,
            env: io.env,
            connectors: options.connector,
          });
          handleSignals(demo, io);
          await io.onStarted?.(demo.gateway, demo.url);
          return;
        }
        const { config, baseDir } = await readConfig(options.config, io);
        const role: GatewayRole = options.workers ? 'all' : 'api';
        if (!config.database.url && config.database.dataDir === 'memory://')
          io.err(
            'warning: the database is in memory (lost on exit), and no API key can be made for it from outside: set database.dataDir (relaykit init writes one) or DATABASE_URL',
          );
        if (role === 'api' && !config.redis.url)
          io.err('warning: --no-workers without REDIS_URL: jobs go to an in-memory queue no worker can reach');
        const gateway = await Gateway.create({ config, role, baseDir });
        const host = options.host ?? config.server.host;
        let url: string;
        try {
          url = await gateway.listen(port ?? config.server.port, host);
        } catch (error) {
          await gateway.close();
          if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
            throw new PortInUseError(port ?? config.server.port, host);
          throw error;
        }
        io.out(`relaykit gateway listening on ${url} (docs: ${url}/docs)`);
        io.out(`engines: ${gateway.describeEngines()}`);
        io.out(
          `instances: ${[...gateway.instances.values()].map((i) => `${i.name} (${i.connector.name}, ${i.environment})`).join(', ') || 'none'}`,
        );
        handleSignals(gateway, io);
        await io.onStarted?.(gateway, url);
      },
    );

  program
    .command('worker')
    .description(
      'Run workers only (no HTTP): take jobs from the queue, retry, re-queue stalled and lost jobs. Run any number of them on the same Redis.',
    )
    .addOption(configOption())
    .action(async (options: { config?: string }) => {
      const { config, baseDir } = await readConfig(options.config, io);
      if (!config.redis.url)
        io.err('warning: no REDIS_URL: an in-memory queue only sees jobs submitted in this process');
      const gateway = await Gateway.create({ config, role: 'worker', baseDir });
      io.out(`relaykit worker ${gateway.runner?.workerId} started; engines: ${gateway.describeEngines()}`);
      handleSignals(gateway, io);
      await io.onStarted?.(gateway, undefined);
    });

  program
    .command('migrate')
    .description(
      'Create or upgrade the job store schema (PostgreSQL via DATABASE_URL, or the PGlite directory in database.dataDir).',
    )
    .addOption(configOption())
    .action(async (options: { config?: string }) => {
      const { config } = await readConfig(options.config, io, 'database');
      const sql = await openSql({ url: config.database.url, dataDir: config.database.dataDir });
      try {
        const applied = await migrate(sql);
        io.out(
          applied.length
            ? `applied migrations ${applied.join(', ')} (${sql.engine})`
            : `schema is up to date (${sql.engine})`,
        );
      } finally {
        await sql.close();
      }
    });

  registerEncryptionCommands(program, io);

  const keys = program
    .command('keys')
    .description(
      "Manage API keys (stored as SHA-256 hashes; the secret is shown once). With --url (or RELAYKIT_URL) through the running gateway's /v1/admin/keys with an admin key (scope admin:keys); otherwise directly in the database, which a PGlite directory allows only while no gateway holds it.",
    );
  const remoteOptions = (command: Command) =>
    command
      .addOption(new Option('--url <url>', 'manage keys through the gateway at this URL (default $RELAYKIT_URL)'))
      .addOption(new Option('--admin-key <key>', 'an API key with the admin:keys scope (default $RELAYKIT_ADMIN_KEY)'));
  type KeysOptions = { config?: string; url?: string; adminKey?: string };
  /** Runs `fn` against the gateway's admin route when a URL is given, else against the database. */
  const withKeys = async (
    options: KeysOptions,
    fn: (
      store: Pick<ApiKeyStore, 'list' | 'create'> & { revoke(id: string): Promise<boolean> },
      config?: GatewayConfig,
    ) => Promise<void>,
  ) => {
    const url = options.url ?? io.env.RELAYKIT_URL;
    if (url) {
      const adminKey = options.adminKey ?? io.env.RELAYKIT_ADMIN_KEY;
      if (!adminKey)
        throw new Error(
          `managing keys through ${url} needs an admin key (scope admin:keys): pass --admin-key or set RELAYKIT_ADMIN_KEY`,
        );
      const client = new AdminClient(url, adminKey);
      await fn({
        list: () => client.list(),
        create: (input) => client.create(input),
        revoke: async (id) => Boolean(await client.revoke(id)),
      });
      return;
    }
    const { config } = await readConfig(options.config, io, 'database');
    if (!config.database.url && config.database.dataDir === 'memory://') {
      throw new Error('API keys need a persistent database: set DATABASE_URL or database.dataDir in the configuration');
    }
    const sql = await openSql({ url: config.database.url, dataDir: config.database.dataDir });
    try {
      await migrate(sql);
      await fn(new ApiKeyStore(sql), config);
    } finally {
      await sql.close();
    }
  };
  remoteOptions(
    keys
      .command('create')
      .description('Create a key for one environment; prints the secret once.')
      .addOption(configOption())
      .requiredOption(
        '-e, --env <environment>',
        'environment the key belongs to (it can only reach instances of this environment)',
      )
      .option(
        '-s, --scope <scope...>',
        'scopes: "*" (every instance of the environment), "<instance>" or "<instance>:*" (every operation of one instance), "<instance>:<operation>", "admin:keys" (manage the environment\'s keys; "*" does not include it); several allowed',
        ['*'],
      )
      .option('-n, --name <name>', 'a label to recognise the key by', 'unnamed'),
  ).action(async (options: KeysOptions & { env: string; scope: string[]; name: string }) => {
    // Before touching the database: a typo in a scope is reported with every bad scope listed.
    assertValidScopes(options.scope);
    await withKeys(options, async (store, config) => {
      if (config) {
        if (!config.environments.includes(options.env))
          throw new Error(`environment "${options.env}" is not one of ${config.environments.join(', ')}`);
        // Not an error: a key may be made before its instance is configured (or without the gateway's configuration at hand).
        const configured = Object.keys(config.instances).length > 0;
        const unknown = configured
          ? options.scope.filter(
              (s) => s !== '*' && !grantsKeyAdmin([s]) && !Object.hasOwn(config.instances, s.split(':')[0]!),
            )
          : [];
        if (unknown.length)
          io.err(
            `warning: no instance ${unknown.map((s) => `"${s.split(':')[0]}"`).join(', ')} in this configuration; the scope${unknown.length > 1 ? 's' : ''} ${unknown.join(' ')} will not match anything until ${unknown.length > 1 ? 'they are' : 'it is'} configured`,
          );
      }
      const { key, secret } = await store.create({
        name: options.name,
        environment: options.env,
        scopes: options.scope,
      });
      io.out(`created key ${key.id} (${key.name}) for ${key.environment}, scopes ${key.scopes.join(' ')}`);
      io.out('secret (shown once, store it now):');
      io.out(secret);
    });
  });
  remoteOptions(keys.command('list').description('List keys (never their secrets).').addOption(configOption())).action(
    async (options: KeysOptions) => {
      await withKeys(options, async (store) => {
        const all = await store.list();
        if (!all.length) io.out('no keys');
        for (const k of all)
          io.out(
            `${k.id}  ${k.environment.padEnd(12)} ${(k.revokedAt ? `revoked ${k.revokedAt}` : 'active').padEnd(34)} ${k.name}  [${k.scopes.join(' ')}]`,
          );
      });
    },
  );
  remoteOptions(
    keys
      .command('revoke')
      .description(
        'Revoke a key by id. New requests with it are refused at once by the gateway that revoked it and within about 1 s on every other running gateway (each process caches a verified key for up to 1 s); requests already accepted still finish.',
      )
      .addOption(configOption())
      .argument('<id>', 'key id (the 12 characters after "rk_")'),
  ).action(async (id: string, options: KeysOptions) => {
    await withKeys(options, async (store) => {
      if (!(await store.revoke(id))) throw new Error(`no active key ${id}`);
      io.out(`revoked ${id}`);
    });
  });

  registerUserCommands(program, io, async (configFile, fn) => {
    const { config } = await readConfig(configFile, io, 'database');
    if (!config.database.url && config.database.dataDir === 'memory://')
      throw new Error('users need a persistent database: set DATABASE_URL or database.dataDir in the configuration');
    const sql = await openSql({ url: config.database.url, dataDir: config.database.dataDir });
    try {
      await migrate(sql);
      await fn(new UserStore(sql), config);
    } finally {
      await sql.close();
    }
  });

  program
    .command('init')
    .description('Write a commented sample configuration to start from (never overwrites a file).')
    .option('-o, --output <file>', 'where to write it', 'relaykit.yaml')
    .action(async (options: { output: string }) => {
      const file = resolve(options.output);
      try {
        await writeFile(file, await sampleConfig(), { flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST')
          throw new Error(`${file} already exists; not overwriting it (move it away or pick another name with -o)`);
        throw error;
      }
      io.out(`wrote ${file}`);
      io.out(
        `next: uncomment an instance, then "relaykit check -c ${options.output}" and "relaykit start -c ${options.output}"`,
      );
    });

  registerScheduleCommands(program, { out: io.out, readConfig: (file) => readConfig(file, io), configOption });

  program
    .command('check')
    .description('Validate the configuration and load every plugin without starting anything.')
    .addOption(configOption())
    .action(async (options: { config?: string }) => {
      const { config, baseDir } = await readConfig(options.config, io);
      const { loadInstances } = await import('../runtime/instances.js');
      const instances = await loadInstances(config, { baseDir });
      io.out(`configuration is valid: ${instances.size} instance(s) in ${config.environments.join(', ')}`);
      if (!instances.size) io.err('warning: no instance configured: the gateway would serve no operation');
    });

  return program;
}

/** Runs the CLI; a configuration problem prints every issue by path and exits 2. */
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv);
    return 0;
  } catch (error) {
    if (isConfigError(error)) {
      io.err(error.message);
      return 2;
    }
    if ((error as { code?: string }).code?.startsWith('commander.'))
      return (error as { exitCode?: number }).exitCode ?? 1;
    io.err(`error: ${(error as Error).message}`);
    return 1;
  }
}
