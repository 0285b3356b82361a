import { salesforceConnector } from '@relaykit/connector-salesforce';
import { startFakeOrg, type FakeOrg } from '@relaykit/connector-salesforce/testing';
import { Gateway, parseConfig } from '@relaykit/gateway';
import { silentLogger } from '@relaykit/sdk-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from './main.js';

// A gateway like the demo's (`npm start`): embedded PGlite and queue, the fake Salesforce org as `sf-demo`.
let org: FakeOrg;
let gateway: Gateway;
let url: string;
let apiKey: string;

beforeAll(async () => {
  org = await startFakeOrg({ externalIdFields: { Contact: ['Ext__c', 'Email', 'Donor_Id__c'], Account: ['Ext__c'] } });
  const config = parseConfig(
    {
      server: { port: 0, shutdownTimeout: '2s' },
      environments: ['development'],
      instances: {
        'sf-demo': {
          connector: 'salesforce',
          environment: 'development',
          config: {
            instanceUrl: org.url,
            auth: { flow: 'client_credentials', clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
          },
          retry: { attempts: 5, delay: '500ms' },
        },
      },
    },
    {},
  );
  gateway = await Gateway.create({ config, connectors: { salesforce: salesforceConnector }, logger: silentLogger });
  url = await gateway.listen(0, '127.0.0.1');
  ({ secret: apiKey } = await gateway.keys.create({ name: 'demo', environment: 'development', scopes: ['*'] }));
});
afterAll(async () => {
  await gateway?.close();
  await org?.close();
});

it('upserts, replays by Idempotency-Key, reports a typed mistake and follows a batch to the end', async () => {
  const out: string[] = [];
  const summary = await main({ baseUrl: url, apiKey, log: (l) => out.push(l), runId: 'test' });
  expect(summary).toEqual({
    jobId: expect.stringMatching(/^job_/),
    created: true,
    replayedSameJob: true,
    mistake: { status: 400, code: 'VALIDATION', fields: ['externalId'] },
    batch: ['succeeded', 'succeeded', 'succeeded'],
  });
  // One write for the donor sent twice.
  expect(org.ledger.countsByExternalId('Contact').get('D-test-1')).toBe(1);
  expect(out.join('\n')).toMatch(/retry with the same Idempotency-Key: job job_\S+ \(the same job\)/);
  expect(out.join('\n')).toMatch(/400 VALIDATION \(externalId\)/);
});
