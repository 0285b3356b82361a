import { createRedisClient, generateKey, instantiateConnector } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { salesforceConnector } from './connector.js';
import { startFakeOrg } from './testing/index.js';

const servers = sharedServers();

describe.skipIf(!servers.redisUrl)('salesforceConnector with Redis', () => {
  it('two instances of one org share a sealed session and refresh it once', async () => {
    const org = await startFakeOrg();
    const instance = `sf-int-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const config = {
      instanceUrl: org.url,
      apiVersion: '60.0',
      auth: { flow: 'client_credentials', clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
      sessionEncryption: { keys: [{ id: 'k1', key: generateKey() }] },
    };
    const a = await instantiateConnector(salesforceConnector, { instance, redisUrl: servers.redisUrl, config });
    const b = await instantiateConnector(salesforceConnector, { instance, redisUrl: servers.redisUrl, config });
    const raw = createRedisClient(servers.redisUrl!);
    try {
      await a.run('upsert', {
        sobject: 'Contact',
        externalIdField: 'Ext__c',
        externalId: 'R-1',
        fields: { LastName: 'a' },
      });
      await b.run('upsert', {
        sobject: 'Contact',
        externalIdField: 'Ext__c',
        externalId: 'R-2',
        fields: { LastName: 'b' },
      });
      expect(org.state.grants('client_credentials')).toBe(1); // b adopted a's session
      org.expireSessions();
      await Promise.all([
        ...Array.from({ length: 20 }, (_, i) =>
          a.run('upsert', {
            sobject: 'Contact',
            externalIdField: 'Ext__c',
            externalId: `A-${i}`,
            fields: { LastName: 'a' },
          }),
        ),
        ...Array.from({ length: 20 }, (_, i) =>
          b.run('upsert', {
            sobject: 'Contact',
            externalIdField: 'Ext__c',
            externalId: `B-${i}`,
            fields: { LastName: 'b' },
          }),
        ),
      ]);
      expect(org.state.grants('client_credentials')).toBe(2);
      const sealed = await raw.get(`relaykit:salesforce:${instance}:${instance}`);
      expect(sealed).toMatch(/^rk1\./); // an AES-256-GCM envelope, not the session in clear
      expect(sealed).not.toContain('00D');
    } finally {
      raw.disconnect();
      await a.close();
      await b.close();
      await org.close();
    }
  });
});
