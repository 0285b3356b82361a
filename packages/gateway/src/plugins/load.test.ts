import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPluginError } from '../errors/index.js';
import { loadConnector } from './load.js';

const baseDir = fileURLToPath(new URL('..', import.meta.url));

// A third-party connector package, installed where Node resolves packages for the gateway: the loader must find
// it by name without the gateway knowing any connector.
const packageName = `@relaykit-test/crm-connector-${process.pid}`;
const packageDir = join(fileURLToPath(new URL('../../../../node_modules/', import.meta.url)), packageName);
beforeAll(async () => {
  await mkdir(packageDir, { recursive: true });
  await writeFile(
    join(packageDir, 'package.json'),
    JSON.stringify({ name: packageName, version: '1.0.0', type: 'module', exports: './index.js' }),
  );
  await writeFile(
    join(packageDir, 'index.js'),
    `export const crmConnector = { isRelaykitConnector: true, name: 'crm', version: '1.0.0', operations: {} };\n`,
  );
});
afterAll(async () => {
  await rm(packageDir, { recursive: true, force: true });
  await rmdir(dirname(packageDir)).catch(() => undefined); // the scope folder, when no other run still uses it
});

describe('plugin loading', () => {
  it('loads a connector from a local module path through the contract', async () => {
    const connector = await loadConnector('./test-support/echo.ts', { baseDir });
    expect(connector.name).toBe('echo');
    expect(connector.isRelaykitConnector).toBe(true);
    expect(Object.keys(connector.operations)).toEqual(['put', 'send', 'fail', 'slow']);
  });

  it('loads a connector package by name and a named export', async () => {
    const connector = await loadConnector(packageName, { exportName: 'crmConnector' });
    expect(connector.name).toBe('crm');
  });

  it('refuses modules without a connector, wrong exports and missing modules', async () => {
    const none = await loadConnector('./util/duration.ts', { baseDir }).catch((e: unknown) => e);
    expect(isPluginError(none) && (none as Error).message).toMatch(/exports no connector/);
    const wrong = await loadConnector('./test-support/echo.ts', { baseDir, exportName: 'signEcho' }).catch(
      (e: unknown) => e,
    );
    expect((wrong as Error).message).toMatch(/Export "signEcho" .* is not a connector/);
    const missing = await loadConnector('./nope.js', { baseDir }).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/Cannot load connector module "\.\/nope\.js"/);
  });
});
