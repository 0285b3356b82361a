// Test support: a real gateway in this process (embedded PGlite and in-memory queue) over the fake Salesforce org,
// like the demo's `sf-demo`, plus an instance whose org answers every call 503 (its jobs stay unfinished).
import { salesforceConnector } from '@relaykit/connector-salesforce';
import { startFakeOrg, type FakeOrg } from '@relaykit/connector-salesforce/testing';
import { Gateway, parseConfig } from '@relaykit/gateway';
import { silentLogger } from '@relaykit/sdk-core';

export interface ClientTestGateway {
  url: string;
  apiKey: string;
  org: FakeOrg;
  close(): Promise<void>;
}

const sfConfig = (org: FakeOrg) => ({
  instanceUrl: org.url,
  auth: { flow: 'client_credentials', clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
});

/** Starts the gateway; `rateLimit`: requests per second per key (default 1000). */
export async function startClientTestGateway(options: { rateLimit?: number } = {}): Promise<ClientTestGateway> {
  const org = await startFakeOrg({ externalIdFields: { Contact: ['Ext__c', 'Email'], Account: ['Ext__c'] } });
  const down = await startFakeOrg();
  down.setFaults({ serverUnavailable: { times: 1_000_000 } });
  const config = parseConfig(
    {
      server: { port: 0, shutdownTimeout: '2s' },
      environments: ['development'],
      apiKeys: { rateLimits: [{ limit: options.rateLimit ?? 1000, window: '1s' }] },
      instances: {
        'sf-demo': {
          connector: 'salesforce',
          environment: 'development',
          config: sfConfig(org),
          retry: { attempts: 2, delay: '20ms', maxDelay: '50ms' },
          timeout: '10s',
        },
        'sf-down': {
          connector: 'salesforce',
          environment: 'development',
          config: sfConfig(down),
          retry: { attempts: 5, delay: '30s' },
          timeout: '10s',
        },
      },
    },
    {},
  );
  const gateway = await Gateway.create({
    config,
    connectors: { salesforce: salesforceConnector },
    logger: silentLogger,
  });
  const url = await gateway.listen(0, '127.0.0.1');
  const { secret } = await gateway.keys.create({ name: 'client-test', environment: 'development', scopes: ['*'] });
  return {
    url,
    apiKey: secret,
    org,
    async close() {
      await gateway.close();
      await Promise.all([org.close(), down.close()]);
    },
  };
}
