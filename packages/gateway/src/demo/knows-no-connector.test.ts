// The gateway loads connectors as plugins: its code and its package.json name none of them.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const gateway = join(root, 'packages', 'gateway');

/** The names of this repository's connector packages (those whose package.json says they are one). */
async function connectorNames(): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(join(root, 'packages'))) {
    const manifest = JSON.parse(await readFile(join(root, 'packages', entry, 'package.json'), 'utf8')) as {
      name: string;
      relaykit?: { connector?: boolean };
    };
    if (manifest.relaykit?.connector) names.push(manifest.name);
  }
  return names;
}

/** Every TypeScript file under the gateway's `src/`, tests and test support included, as a path relative to it. */
async function sourceFiles(src: string): Promise<string[]> {
  const files = (await readdir(src, { recursive: true })).map((file) => file.replaceAll('\\', '/'));
  return files.filter((path) => path.endsWith('.ts') || path.endsWith('.tsx'));
}

/** The module specifiers a file imports, statically or dynamically, or re-exports. */
function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  for (const pattern of [
    /\bfrom\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]/g,
    /\bimport\s+['"]([^'"]+)['"]/g,
  ])
    for (const match of text.matchAll(pattern)) specifiers.push(match[1]!);
  return specifiers;
}

describe('the gateway knows no connector', () => {
  it('no file under src/ imports a connector package, tests and test support included', async () => {
    const names = await connectorNames();
    expect(names.length).toBeGreaterThanOrEqual(3);
    const src = join(gateway, 'src');
    const hits: string[] = [];
    const files = await sourceFiles(src);
    expect(files.length).toBeGreaterThan(100);
    for (const path of files) {
      const text = await readFile(join(src, path), 'utf8');
      for (const specifier of importsOf(text))
        if (names.some((name) => specifier === name || specifier.startsWith(`${name}/`)))
          hits.push(`${relative(gateway, join(src, path))}: ${specifier}`);
    }
    // The scenarios with the real connectors are the repository's own end-to-end tests (e2e/), outside the package.
    expect(hits).toEqual([]);
  });

  it('no file it ships names a connector package, even in a string', async () => {
    const names = await connectorNames();
    const src = join(gateway, 'src');
    const hits: string[] = [];
    for (const path of await sourceFiles(src)) {
      if (path.endsWith('.test.ts') || path.startsWith('test-support/')) continue;
      const text = await readFile(join(src, path), 'utf8');
      for (const name of names) if (text.includes(name)) hits.push(`${relative(gateway, join(src, path))}: ${name}`);
    }
    expect(hits).toEqual([]);
  });

  it('its package.json depends on none (not even for its tests)', async () => {
    const names = await connectorNames();
    const manifest = JSON.parse(await readFile(join(gateway, 'package.json'), 'utf8')) as Record<string, unknown>;
    const deps = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) =>
      Object.keys((manifest[field] as Record<string, string> | undefined) ?? {}),
    );
    expect(deps.filter((d) => names.includes(d))).toEqual([]);
  });
});
