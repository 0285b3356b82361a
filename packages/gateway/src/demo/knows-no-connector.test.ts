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

// `relaykit init`'s sample configuration is documentation: its commented instances name real packages.
const DOCUMENTATION = new Set(['cli/sample-config.ts']);

describe('the gateway knows no connector', () => {
  it('no source file the gateway ships names a connector package', async () => {
    const names = await connectorNames();
    expect(names.length).toBeGreaterThanOrEqual(3);
    const src = join(gateway, 'src');
    const hits: string[] = [];
    for (const file of await readdir(src, { recursive: true })) {
      const path = file.replaceAll('\\', '/');
      // Test-only code (tests and `test-support/`, never built into the package: check-packages says so) may drive
      // the real connectors; what ships may not name one.
      if (
        !path.endsWith('.ts') ||
        path.endsWith('.test.ts') ||
        path.startsWith('test-support/') ||
        DOCUMENTATION.has(path)
      )
        continue;
      const text = await readFile(join(src, file), 'utf8');
      for (const name of names) if (text.includes(name)) hits.push(`${relative(gateway, join(src, file))}: ${name}`);
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
