// A worker process for session.int.test.ts: shares one Salesforce session through Redis.
import { createInterface } from 'node:readline';
import { createLock } from '@relaykit/sdk-core';
import { SalesforceClient } from '../../client/client.js';
import { RedisTokenStore } from '../../auth/token-store.js';

const config = JSON.parse(process.env.RELAYKIT_WORKER ?? '{}') as {
  id: number;
  redisUrl: string;
  prefix: string;
  orgUrl: string;
  count: number;
};
const store = new RedisTokenStore({ redisUrl: config.redisUrl, prefix: `${config.prefix}:session` });
const lock = createLock({ redisUrl: config.redisUrl, prefix: `${config.prefix}:lock` });
const client = new SalesforceClient({
  instanceUrl: config.orgUrl,
  apiVersion: '60.0',
  auth: { flow: 'client_credentials', clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
  tokenStore: store,
  lock,
  sessionKey: 'shared-org',
  resilience: { retry: { maxAttempts: 4, initialDelayMs: 5, maxDelayMs: 20 } },
});

console.log(JSON.stringify({ ready: true, id: config.id }));
const line = await new Promise<string>((resolve) => createInterface({ input: process.stdin }).once('line', resolve));
const { startAt } = JSON.parse(line) as { startAt: number };
await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
const results = await Promise.all(
  Array.from({ length: config.count }, (_, i) =>
    client.upsert('Contact', 'Ext__c', `W${config.id}-${i}`, { LastName: `Worker ${config.id}` }),
  ),
);
console.log(
  JSON.stringify({
    id: config.id,
    created: results.filter((r) => r.created).length,
    tokenRequests: client.sessions.tokenRequests,
  }),
);
await client.close();
await store.close();
await lock.close();
