import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatewayPackage } from './package-dir.js';

/** The file `relaykit init` copies, shipped at the package's root beside its README. */
export const SAMPLE_CONFIG_FILE = 'relaykit.sample.yaml';

/**
 * The commented configuration `relaykit init` writes: valid as it stands (a persistent PGlite directory, so keys
 * made with `relaykit keys create` survive, and no instance yet), with a commented instance block for each of the
 * connector packages published beside the gateway. It is a plain YAML file in the package, readable without the CLI.
 */
export async function sampleConfig(): Promise<string> {
  const pkg = gatewayPackage();
  if (!pkg) throw new Error(`cannot find the @relaykit/gateway package holding ${SAMPLE_CONFIG_FILE}`);
  return readFile(join(pkg.dir, SAMPLE_CONFIG_FILE), 'utf8');
}
