import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parseConfig, loadConfigFile, type GatewayConfig } from '../config/index.js';
import { isConfigError } from '../errors/index.js';
import { Gateway, type GatewayRole } from '../gateway.js';
import { ApiKeyStore, assertValidScopes } from '../keys/keys.js';
import { migrate } from '../store/migrations.js';
import { openSql } from '../store/sql.js';
import { registerScheduleCommands } from '../schedules/cli.js';

/** Where the CLI writes (tests capture it). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Called with the running gateway (tests stop it; the real CLI waits for a signal). */
  onStarted?(gateway: Gateway, url: string | undefined): void | Promise<void>;
  /** Stop on SIGTERM/SIGINT (default true; tests embedding the CLI turn it off). */
  signals?: boolean;
}

const defaultIo: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
};

function configPath(option: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const file = option ?? env.RELAYKIT_CONFIG;
  if (file) return resolve(file);
  for (const candidate of ['relaykit.yaml', 'relaykit.yml', 'relaykit.json'])
    if (existsSync(candidate)) return resolve(candidate);
  return undefined;
}

async function readConfig(option: string | undefined, io: CliIo): Promise<{ config: GatewayConfig; baseDir: string }> {
  const file = configPath(option, io.env);
  if (!file) return { config: parseConfig({}, io.env), baseDir: process.cwd() };
  return { config: await loadConfigFile(file, io.env), baseDir: dirname(file) };
}

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

const configOption = () =>
  new Option('-c, --config <file>', 'configuration file (YAML or JSON); default $RELAYKIT_CONFIG or ./relaykit.yaml');

/** Builds the `relaykit` command line. */
export function buildProgram(io: CliIo = defaultIo): Command {
  const program = new Command('relaykit')
    .description(
      'relaykit gateway: serves connector operations as durable jobs over HTTP (OpenAPI 3.1), receives webhooks and runs workers.\n\nEngines: PostgreSQL when DATABASE_URL is set (embedded PGlite otherwise), bee-queue on Redis when REDIS_URL is set (in-memory otherwise).',
    )
    .version('0.0.0')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ relaykit start --demo                    fake upstreams, embedded engines, a demo key and curl lines
  $ relaykit migrate -c relaykit.yaml        create or upgrade the database schema
  $ relaykit start -c relaykit.yaml          API + workers in one process
  $ relaykit start -c relaykit.yaml --no-workers   API only; run workers with "relaykit worker"
  $ relaykit keys create --env production --scope sf-prod:upsert --name crm-sync`,
    );

  program
    .command('start')
    .description('Start the HTTP API and (by default) workers in this process.')
    .addOption(configOption())
    .option(
      '--demo',
      'start fake Salesforce, Mahak and WhatsApp upstreams and a gateway wired to them, print a demo key and curl lines',
    )
    .option('-p, --port <port>', 'port to listen on (overrides server.port; 0 picks a free one)', (v) => Number(v))
    .option('--host <host>', 'address to bind (overrides server.host)')
    .option('--no-workers', 'serve HTTP only; jobs run in "relaykit worker" processes (needs REDIS_URL)')
    .addHelpText(
      'after',
      '\nStops gracefully on SIGTERM/SIGINT: new requests get 503, running jobs finish within server.shutdownTimeout or are handed back.',
    )
    .action(async (options: { config?: string; demo?: boolean; port?: number; host?: string; workers: boolean }) => {
      if (options.demo) {
        const { startDemo } = await import('../demo/index.js');
        const demo = await startDemo({ port: options.port, host: options.host, out: io.out, env: io.env });
        handleSignals(demo, io);
        await io.onStarted?.(demo.gateway, demo.url);
        return;
      }
      const { config, baseDir } = await readConfig(options.config, io);
      const role: GatewayRole = options.workers ? 'all' : 'api';
      if (role === 'api' && !config.redis.url)
        io.err('warning: --no-workers without REDIS_URL: jobs go to an in-memory queue no worker can reach');
      const gateway = await Gateway.create({ config, role, baseDir });
      const url = await gateway.listen(options.port ?? config.server.port, options.host ?? config.server.host);
      io.out(`relaykit gateway listening on ${url} (docs: ${url}/docs)`);
      io.out(`engines: ${gateway.describeEngines()}`);
      io.out(
        `instances: ${[...gateway.instances.values()].map((i) => `${i.name} (${i.connector.name}, ${i.environment})`).join(', ') || 'none'}`,
      );
      handleSignals(gateway, io);
      await io.onStarted?.(gateway, url);
    });

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
      const { config } = await readConfig(options.config, io);
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

  const keys = program
    .command('keys')
    .description('Manage API keys (stored as SHA-256 hashes; the secret is shown once).');
  const withKeys = async (
    configFile: string | undefined,
    fn: (store: ApiKeyStore, config: GatewayConfig) => Promise<void>,
  ) => {
    const { config } = await readConfig(configFile, io);
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
      'scopes: "*" (every instance of the environment), "<instance>" or "<instance>:*" (every operation of one instance), "<instance>:<operation>"; several allowed',
      ['*'],
    )
    .option('-n, --name <name>', 'a label to recognise the key by', 'unnamed')
    .action(async (options: { config?: string; env: string; scope: string[]; name: string }) => {
      // Before touching the database: a typo in a scope is reported with every bad scope listed.
      assertValidScopes(options.scope);
      await withKeys(options.config, async (store, config) => {
        if (!config.environments.includes(options.env))
          throw new Error(`environment "${options.env}" is not one of ${config.environments.join(', ')}`);
        // Not an error: a key may be made before its instance is configured (or without the gateway's configuration at hand).
        const configured = Object.keys(config.instances).length > 0;
        const unknown = configured
          ? options.scope.filter((s) => s !== '*' && !Object.hasOwn(config.instances, s.split(':')[0]!))
          : [];
        if (unknown.length)
          io.err(
            `warning: no instance ${unknown.map((s) => `"${s.split(':')[0]}"`).join(', ')} in this configuration; the scope${unknown.length > 1 ? 's' : ''} ${unknown.join(' ')} will not match anything until ${unknown.length > 1 ? 'they are' : 'it is'} configured`,
          );
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
  keys
    .command('list')
    .description('List keys (never their secrets).')
    .addOption(configOption())
    .action(async (options: { config?: string }) => {
      await withKeys(options.config, async (store) => {
        const all = await store.list();
        if (!all.length) io.out('no keys');
        for (const k of all)
          io.out(
            `${k.id}  ${k.environment.padEnd(12)} ${(k.revokedAt ? `revoked ${k.revokedAt}` : 'active').padEnd(34)} ${k.name}  [${k.scopes.join(' ')}]`,
          );
      });
    });
  keys
    .command('revoke')
    .description(
      'Revoke a key by id. New requests with it are refused within about 1 s on every running gateway (each process caches a verified key for up to 1 s); requests already accepted still finish.',
    )
    .addOption(configOption())
    .argument('<id>', 'key id (the 12 characters after "rk_")')
    .action(async (id: string, options: { config?: string }) => {
      await withKeys(options.config, async (store) => {
        if (!(await store.revoke(id))) throw new Error(`no active key ${id}`);
        io.out(`revoked ${id}`);
      });
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
