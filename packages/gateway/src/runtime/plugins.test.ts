import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isPluginError } from '../errors/index.js';
import { loadConnector } from './plugins.js';

const baseDir = fileURLToPath(new URL('..', import.meta.url));

describe('plugin loading', () => {
  it('loads a connector from a local module path through the contract', async () => {
    const connector = await loadConnector('./test/echo.ts', { baseDir });
    expect(connector.name).toBe('echo');
    expect(connector.isRelaykitConnector).toBe(true);
    expect(Object.keys(connector.operations)).toEqual(['put', 'fail', 'slow']);
  });

  it('loads a connector package by name and a named export', async () => {
    const connector = await loadConnector('@relaykit/connector-salesforce', { exportName: 'salesforceConnector' });
    expect(connector.name).toBe('salesforce');
  });

  it('refuses modules without a connector, wrong exports and missing modules', async () => {
    const none = await loadConnector('./util/duration.ts', { baseDir }).catch((e: unknown) => e);
    expect(isPluginError(none) && (none as Error).message).toMatch(/exports no connector/);
    const wrong = await loadConnector('./test/echo.ts', { baseDir, exportName: 'signEcho' }).catch((e: unknown) => e);
    expect((wrong as Error).message).toMatch(/Export "signEcho" .* is not a connector/);
    const missing = await loadConnector('./nope.js', { baseDir }).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/Cannot load connector module "\.\/nope\.js"/);
  });
});
