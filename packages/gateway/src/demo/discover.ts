import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isConnectorDemo, type ConnectorDemo } from '@relaykit/sdk-core';

/** An installed package whose package.json says `"relaykit": { "connector": true }`. */
export interface ConnectorPackage {
  name: string;
  /** The `node_modules` directory it was found in. */
  nodeModules: string;
}

/** The `node_modules` directories Node searches from `dir`: its own and each parent's. */
function nodeModulesFrom(dir: string): string[] {
  const found: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    if (!at.endsWith('/node_modules') && !at.endsWith('\\node_modules')) found.push(join(at, 'node_modules'));
    if (dirname(at) === at) return found;
  }
}

const readDir = (dir: string) => readdir(dir).catch(() => [] as string[]);

async function packageManifest(
  dir: string,
): Promise<{ name?: unknown; relaykit?: { connector?: unknown } } | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The connector packages installed where Node would find them from any of `from` (nearest first; a name found twice
 * counts once), sorted by name. A package says it is a connector with `"relaykit": { "connector": true }`.
 */
export async function findConnectorPackages(from: string[]): Promise<ConnectorPackage[]> {
  const seen = new Map<string, ConnectorPackage>();
  for (const nodeModules of [...new Set(from.flatMap(nodeModulesFrom))]) {
    const entries = await readDir(nodeModules);
    const dirs = (
      await Promise.all(
        entries
          .filter((entry) => !entry.startsWith('.'))
          .map(async (entry) =>
            entry.startsWith('@')
              ? (await readDir(join(nodeModules, entry))).map((child) => join(nodeModules, entry, child))
              : [join(nodeModules, entry)],
          ),
      )
    ).flat();
    const manifests = await Promise.all(dirs.map(packageManifest));
    for (const manifest of manifests) {
      if (manifest?.relaykit?.connector !== true || typeof manifest.name !== 'string') continue;
      if (!seen.has(manifest.name)) seen.set(manifest.name, { name: manifest.name, nodeModules });
    }
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);

/**
 * The `demo` a connector package exports from its `./testing` entry. Imported by name first (from the gateway's own
 * location, or as the workspace maps it); a package only reachable from `from` (e.g. the project the CLI runs in,
 * when the gateway is installed elsewhere) is imported by the file its exports name there.
 */
export async function loadConnectorDemo(name: string, from: string[]): Promise<ConnectorDemo> {
  const specifier = `${name}/testing`;
  let mod: Record<string, unknown> | undefined;
  let firstError: unknown;
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  } catch (error) {
    if (!NOT_FOUND.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    firstError = error;
  }
  for (const dir of mod ? [] : from) {
    let file: string;
    try {
      file = createRequire(join(dir, 'noop.js')).resolve(specifier);
    } catch {
      continue;
    }
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    break;
  }
  if (!mod) throw new Error(`cannot import ${specifier}: ${(firstError as Error).message.split('\n')[0]}`);
  // A CommonJS build imported from ESM may hold its exports under `default`.
  const demo = mod.demo ?? (mod.default as { demo?: unknown } | undefined)?.demo;
  if (!isConnectorDemo(demo))
    throw new Error(`${specifier} exports no "demo" (a ConnectorDemo from @relaykit/sdk-core)`);
  return demo;
}
