import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isConnector, type AnyConnector } from '@relaykit/sdk-core';
import { PluginError } from '../errors/index.js';

/**
 * Loads a connector plugin: a package name (`@acme/relaykit-crm`) or a local module path
 * (`./plugins/crm.js`, resolved against `baseDir`). Picks `exportName`, else the default export,
 * else the only export that is a connector.
 * @throws PluginError when the module cannot be imported or holds no (or several) connectors
 */
export async function loadConnector(
  specifier: string,
  options: { exportName?: string | undefined; baseDir?: string } = {},
): Promise<AnyConnector> {
  const local = specifier.startsWith('.') || isAbsolute(specifier);
  const target = local ? pathToFileURL(resolve(options.baseDir ?? process.cwd(), specifier)).href : specifier;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(target)) as Record<string, unknown>;
  } catch (cause) {
    throw new PluginError(`Cannot load connector module "${specifier}": ${(cause as Error).message}`, { cause });
  }
  if (options.exportName) {
    const picked = mod[options.exportName];
    if (!isConnector(picked))
      throw new PluginError(
        `Export "${options.exportName}" of "${specifier}" is not a connector (made with defineConnector)`,
      );
    return picked as AnyConnector;
  }
  if (isConnector(mod.default)) return mod.default as AnyConnector;
  const found = Object.entries(mod).filter(([, value]) => isConnector(value));
  if (found.length === 1) return found[0]![1] as AnyConnector;
  if (!found.length) throw new PluginError(`Module "${specifier}" exports no connector (made with defineConnector)`);
  throw new PluginError(
    `Module "${specifier}" exports several connectors (${found.map(([n]) => n).join(', ')}); name one with "export"`,
  );
}
