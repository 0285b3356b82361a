import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Option } from 'commander';
import { parseConfig, loadConfigFile, type GatewayConfig } from '../config/index.js';
import type { CliIo } from './io.js';

/** The `-c, --config <file>` option every command that reads the configuration takes. */
export const configOption = () =>
  new Option('-c, --config <file>', 'configuration file (YAML or JSON); default $RELAYKIT_CONFIG or ./relaykit.yaml');

function configPath(option: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const file = option ?? env.RELAYKIT_CONFIG;
  if (file) return resolve(file);
  for (const candidate of CONFIG_FILES) if (existsSync(candidate)) return resolve(candidate);
  return undefined;
}

const CONFIG_FILES = ['relaykit.yaml', 'relaykit.yml', 'relaykit.json'];

/**
 * The configuration from `-c`, `$RELAYKIT_CONFIG` or `./relaykit.yaml`. Without a file, only commands that just need
 * the database (`migrate`, `keys`) go on, and only with `DATABASE_URL`: a gateway on a throwaway in-memory database
 * with no instance is never what was meant. A relative PGlite directory is read from the file's directory.
 */
export async function readConfig(
  option: string | undefined,
  io: CliIo,
  needs: 'config' | 'database' = 'config',
): Promise<{ config: GatewayConfig; baseDir: string }> {
  const file = configPath(option, io.env);
  if (!file) {
    if (needs === 'database' && io.env.DATABASE_URL) return { config: parseConfig({}, io.env), baseDir: process.cwd() };
    throw new Error(
      `no configuration file: none of ${CONFIG_FILES.join(', ')} in ${process.cwd()}, and neither -c <file> nor RELAYKIT_CONFIG given.\n` +
        '  relaykit init             writes a commented relaykit.yaml to start from\n' +
        '  relaykit start --demo     runs without one (fake upstreams, a demo key)',
    );
  }
  const config = await loadConfigFile(file, io.env);
  const baseDir = dirname(file);
  const { dataDir } = config.database;
  if (!dataDir.includes('://') && !isAbsolute(dataDir)) config.database.dataDir = resolve(baseDir, dataDir);
  return { config, baseDir };
}
