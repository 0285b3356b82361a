import { readFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import type { AnyConnector } from '@relaykit/sdk-core';
import { parse as parseYaml } from 'yaml';
import { ConfigError, isConfigError } from '../errors/index.js';
import { loadConnector } from '../plugins/load.js';
import { gatewayConfigSchema, type GatewayConfig } from './schema.js';

/** One configuration problem: where (a dotted path, `[i]` for array items) and what. */
export interface ConfigProblem {
  path: string;
  message: string;
}

const formatPath = (path: ReadonlyArray<PropertyKey>) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');

/**
 * Replaces `${NAME}` (and `${NAME:-default}`) in every string with the environment variable, so secrets
 * stay out of the file. A missing variable without a default is a problem at that path.
 */
export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_, name: string, fallback: string | undefined) => {
        const found = env[name];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        problems.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
        return '';
      },
    );
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, problems, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, problems, [...path, k])]),
    );
  }
  return value;
}

/**
 * Validates a configuration object (after `${ENV}` substitution). `DATABASE_URL`, `REDIS_URL` and
 * `RELAYKIT_ENCRYPTION_KEY` and `RELAYKIT_METRICS_TOKEN` fill in when the file leaves them out.
 * @throws ConfigError listing every problem by path
 */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const problems: ConfigProblem[] = [];
  const substituted = (substituteEnv(raw ?? {}, env, problems) ?? {}) as Record<string, unknown>;
  if (typeof substituted !== 'object' || Array.isArray(substituted))
    throw new ConfigError('Invalid gateway configuration:', [
      { path: '', message: 'the configuration must be an object' },
    ]);
  const withEnv = {
    ...substituted,
    database: {
      ...(substituted.database as object | undefined),
      ...(!(substituted.database as { url?: string } | undefined)?.url && env.DATABASE_URL
        ? { url: env.DATABASE_URL }
        : {}),
    },
    redis: {
      ...(substituted.redis as object | undefined),
      ...(!(substituted.redis as { url?: string } | undefined)?.url && env.REDIS_URL ? { url: env.REDIS_URL } : {}),
    },
    metrics: {
      ...(substituted.metrics as object | undefined),
      ...(!(substituted.metrics as { token?: string } | undefined)?.token && env.RELAYKIT_METRICS_TOKEN
        ? { token: env.RELAYKIT_METRICS_TOKEN }
        : {}),
    },
    encryption: {
      ...(substituted.encryption as object | undefined),
      ...(!(substituted.encryption as { key?: string } | undefined)?.key && env.RELAYKIT_ENCRYPTION_KEY
        ? { key: env.RELAYKIT_ENCRYPTION_KEY }
        : {}),
    },
  };
  const result = gatewayConfigSchema.safeParse(withEnv);
  if (!result.success) {
    for (const issue of result.error.issues)
      problems.push({ path: formatPath(issue.path), message: plainMessage(issue, valueAt(withEnv, issue.path)) });
  }
  if (problems.length || !result.success) throw new ConfigError('Invalid gateway configuration:', problems);
  result.data.privacy.storeMasked ??= storeMaskedByDefault(env);
  return result.data;
}

/**
 * Whether payloads are stored masked when `privacy.storeMasked` is not set: only when `RELAYKIT_ENV` says
 * `development`, `staging` or `test`. Unset or anything else (`production` included) stores them as they are, so
 * production is never surprised. `NODE_ENV` is not read: test runners and bundlers set it on their own.
 */
export function storeMaskedByDefault(env: NodeJS.ProcessEnv): boolean {
  return ['development', 'staging', 'test'].includes((env.RELAYKIT_ENV ?? '').trim().toLowerCase());
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = root;
  for (const key of path)
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

function plainMessage(issue: { code: string; message: string; expected?: string }, value: unknown): string {
  if (issue.code === 'invalid_type')
    return value === undefined
      ? 'is required'
      : `must be ${issue.expected ?? 'another type'} (got ${Array.isArray(value) ? 'an array' : typeof value === 'string' ? `"${value}"` : JSON.stringify(value)})`;
  if (issue.code === 'invalid_key')
    return 'is not a valid name: use lower-case letters, digits, "-" and "_" (at most 63, starting with a letter or digit)';
  if (issue.code === 'unrecognized_keys') return issue.message.replace(/^Unrecognized key/, 'unknown key');
  return issue.message;
}

/** Reads and validates a YAML or JSON configuration file. @throws ConfigError */
export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(
      `Cannot read configuration file ${file}:`,
      [{ path: '', message: (cause as Error).message }],
      { cause },
    );
  }
  let raw: unknown;
  try {
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new ConfigError(
      `Configuration file ${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}:`,
      [{ path: '', message: (cause as Error).message }],
      { cause },
    );
  }
  try {
    return parseConfig(raw, env);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    // One pass lists every problem: the connectors' own config schemas are checked too, not only after the rest is fixed.
    const reported = new Set(error.problems.map((p) => p.path));
    const more = (await connectorConfigProblems(raw, env, dirname(file))).filter((p) => !reported.has(p.path));
    if (!more.length) throw error;
    throw new ConfigError('Invalid gateway configuration:', [...error.problems, ...more], { cause: error });
  }
}

/** Problems of each instance's `config` under its connector's own schema, for instances whose connector loads. */
async function connectorConfigProblems(
  raw: unknown,
  env: NodeJS.ProcessEnv,
  baseDir: string,
): Promise<ConfigProblem[]> {
  const substituted = substituteEnv(raw ?? {}, env, []) as { instances?: unknown } | undefined;
  const instances = substituted?.instances;
  if (!instances || typeof instances !== 'object' || Array.isArray(instances)) return [];
  const problems: ConfigProblem[] = [];
  for (const [name, instance] of Object.entries(instances as Record<string, unknown>)) {
    const {
      connector: specifier,
      export: exportName,
      config,
    } = (instance ?? {}) as { connector?: unknown; export?: unknown; config?: unknown };
    if (typeof specifier !== 'string') continue;
    let connector: AnyConnector;
    try {
      connector = await loadConnector(specifier, {
        exportName: typeof exportName === 'string' ? exportName : undefined,
        baseDir,
      });
    } catch (error) {
      problems.push({ path: `instances.${name}.connector`, message: (error as Error).message });
      continue;
    }
    const parsed = connector.config.safeParse(config);
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        problems.push({
          path: ['instances', name, 'config', ...issue.path.map(String)].join('.'),
          message: issue.message,
        });
  }
  return problems;
}
