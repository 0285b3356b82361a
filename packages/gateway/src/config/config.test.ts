import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isConfigError, type ConfigError } from '../errors/index.js';
import { loadConfigFile, parseConfig } from './index.js';

describe('configuration', () => {
  it('fills defaults and converts durations and sizes', () => {
    const config = parseConfig(
      {
        server: { bodyLimit: '2mb', maxWait: '10s' },
        instances: {
          'sf-prod': {
            connector: '@acme/relaykit-crm',
            environment: 'production',
            timeout: '1m',
            retry: { delay: '250ms' },
          },
        },
      },
      {},
    );
    expect(config.server).toMatchObject({ port: 8080, bodyLimit: 2 * 1024 * 1024, maxWait: 10_000 });
    expect(config.instances['sf-prod']).toMatchObject({
      concurrency: 5,
      timeout: 60_000,
      retry: { attempts: 5, backoff: 'exponential', delay: 250, maxDelay: 60_000 },
    });
    expect(config.database.dataDir).toBe('memory://');
  });

  it('takes secrets from environment variables', () => {
    const config = parseConfig(
      {
        instances: {
          a: { connector: 'x', environment: 'staging', config: { secret: '${A_SECRET}', region: '${REGION:-eu}' } },
        },
      },
      { A_SECRET: 's3cr3t', DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://r:6379/2' },
    );
    expect(config.instances.a!.config).toEqual({ secret: 's3cr3t', region: 'eu' });
    expect(config.database.url).toBe('postgres://db/x');
    expect(config.redis.url).toBe('redis://r:6379/2');
  });

  it('lists every problem by path in plain words', () => {
    let error: unknown;
    try {
      parseConfig(
        {
          instances: {
            a: { connector: 'x' },
            b: { connector: 'y', environment: 'moon', concurrency: 0 },
            Bad: { connector: 'z', environment: 'staging' },
          },
          server: { port: 'x' },
          jobs: { stallInterval: '5 parsecs' },
          typo: 1,
          redis: { url: '${NOPE_URL}' },
        },
        {},
      );
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    const problems = Object.fromEntries(
      (error as { problems: Array<{ path: string; message: string }> }).problems.map((p) => [p.path, p.message]),
    );
    expect(problems).toMatchObject({
      'redis.url': 'environment variable NOPE_URL is not set',
      'server.port': 'must be number (got "x")',
      'jobs.stallInterval': expect.stringMatching(/not a duration/),
      'instances.a.environment': 'is required',
      'instances.b.concurrency': expect.stringMatching(/>=1|at least|too small/i),
      'instances.Bad': expect.stringMatching(/not a valid name/),
      '': expect.stringMatching(/typo/),
    });
    expect((error as Error).message).toContain('  - server.port: must be number');
  });

  it('reserves the instance name "admin" for the key administration route and scope', () => {
    const attempt = () =>
      parseConfig({ environments: ['dev'], instances: { admin: { connector: 'x', environment: 'dev' } } }, {});
    expect(attempt).toThrow(/instances\.admin: "admin" is reserved/);
  });

  it('refuses an instance in an undeclared environment', () => {
    expect(() => parseConfig({ instances: { b: { connector: 'y', environment: 'moon' } } }, {})).toThrow(
      /instances\.b\.environment: "moon" is not one of the environments/,
    );
  });

  it('reads YAML and JSON files, and reports unreadable ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rk-config-'));
    await writeFile(join(dir, 'a.yaml'), 'server:\n  port: 9000\nenvironments: [dev]\n');
    await writeFile(join(dir, 'b.json'), '{"server": {"port": 9001}}');
    await writeFile(join(dir, 'c.yaml'), 'server: [\n');
    expect((await loadConfigFile(join(dir, 'a.yaml'), {})).server.port).toBe(9000);
    expect((await loadConfigFile(join(dir, 'b.json'), {})).server.port).toBe(9001);
    await expect(loadConfigFile(join(dir, 'c.yaml'), {})).rejects.toThrow(/not valid YAML/);
    await expect(loadConfigFile(join(dir, 'missing.yaml'), {})).rejects.toThrow(/Cannot read configuration file/);
  });

  it("lists the connectors' own config problems in the same pass as the gateway's", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rk-config-'));
    const echo = fileURLToPath(new URL('../test-support/echo.ts', import.meta.url));
    await writeFile(
      join(dir, 'bad.yaml'),
      [
        'server: { port: nope }',
        'environments: [dev]',
        'instances:',
        `  echo-dev: { connector: "${echo}", environment: dev, config: { baseUrl: "not a url" } }`,
        '  ghost: { connector: ./no-such-plugin.js, environment: dev }',
      ].join('\n'),
    );
    const error = await loadConfigFile(join(dir, 'bad.yaml'), {}).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    const paths = (error as ConfigError).problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['server.port', 'instances.echo-dev.config.baseUrl', 'instances.ghost.connector']),
    );
  });
});
