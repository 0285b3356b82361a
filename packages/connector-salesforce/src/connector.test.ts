import { instantiateConnector, isValidationError } from '@relaykit/sdk-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salesforceConnector } from './connector.js';
import { isSalesforceMultipleMatchesError } from './errors/index.js';
import { startFakeOrg, type FakeOrg } from './testing/index.js';

describe('salesforceConnector', () => {
  let org: FakeOrg;
  let sf: Awaited<ReturnType<typeof instantiateConnector<typeof salesforceConnector>>>;
  beforeAll(async () => {
    org = await startFakeOrg({ apim: { subscriptionKey: 'key-1' }, bulkStepMs: 5 });
    sf = await instantiateConnector(salesforceConnector, {
      instance: 'sf-test',
      config: {
        instanceUrl: org.url,
        apiVersion: '60.0',
        auth: { flow: 'client_credentials', clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
        apiGateway: { baseUrl: org.apimUrl, subscriptionKey: 'key-1' },
      },
    });
  });
  afterAll(async () => {
    await sf.close();
    await org.close();
  });

  it('documents every operation with an example that parses', () => {
    for (const [name, op] of Object.entries(salesforceConnector.operations)) {
      expect(op.description.length, name).toBeGreaterThan(20);
      expect(op.input.safeParse(op.example).success, name).toBe(true);
    }
  });

  it('validates its configuration', async () => {
    await expect(
      instantiateConnector(salesforceConnector, {
        config: { auth: { flow: 'client_credentials', clientId: 'x', clientSecret: 'y' } },
      }),
    ).rejects.toSatisfy((e) => isValidationError(e) && /instanceUrl/.test((e as Error).message));
    await expect(
      instantiateConnector(salesforceConnector, { config: { instanceUrl: org.url, auth: { flow: 'magic' } } }),
    ).rejects.toSatisfy(isValidationError);
  });

  it('runs upsert, get, update, delete and reports health through the gateway', async () => {
    const up = await sf.run('upsert', {
      sobject: 'Contact',
      externalIdField: 'Ext__c',
      externalId: 'K-1',
      fields: { LastName: 'Kartini' },
    });
    expect(up.created).toBe(true);
    const got = await sf.run('get', { sobject: 'Contact', id: up.id!, fields: ['LastName'] });
    expect(got.record).toMatchObject({
      LastName: 'Kartini',
      attributes: { url: expect.stringContaining(org.apimUrl!) },
    });
    await sf.run('update', { sobject: 'Contact', id: up.id!, fields: { LastName: 'R.A. Kartini' } });
    expect(org.state.records('Contact')[0]!.LastName).toBe('R.A. Kartini');
    await sf.run('delete', { sobject: 'Contact', id: up.id! });
    expect(org.state.records('Contact')).toHaveLength(0);
    const health = await salesforceConnector.health!({
      ...sf.services,
      instance: 'sf-test',
      state: sf.state,
      signal: new AbortController().signal,
      attempt: 1,
      progress: () => {},
    });
    expect(health.ok).toBe(true);
    expect(org.state.requests.every((r) => r.host !== 'login')).toBe(true);
  });

  it('runs upsertMany, composite, query and bulkIngest', async () => {
    const progress: unknown[] = [];
    const many = await sf.run(
      'upsertMany',
      {
        sobject: 'Contact',
        externalIdField: 'Ext__c',
        records: Array.from({ length: 250 }, (_, i) => ({ Ext__c: `M-${i}`, LastName: `M${i}` })),
      },
      { onProgress: (e) => progress.push(e) },
    );
    expect(many).toMatchObject({ succeeded: 250, failed: 0 });
    expect(progress.at(-1)).toEqual({ done: 250, total: 250 });
    const comp = await sf.run('composite', {
      subrequests: [
        { method: 'PATCH', url: '/sobjects/Contact/Ext__c/M-1', referenceId: 'donor', body: { LastName: 'Donor' } },
        {
          method: 'POST',
          url: '/sobjects/Donation__c',
          referenceId: 'gift',
          body: { Contact__c: '@{donor.id}', Amount__c: 10 },
        },
      ],
    });
    expect(comp.responses.map((r) => r.httpStatusCode)).toEqual([200, 201]);
    const q = await sf.run('query', {
      soql: "SELECT Id, LastName FROM Contact WHERE LastName LIKE 'M%'",
      batchSize: 200,
      maxRecords: 220,
    });
    expect(q).toMatchObject({ totalSize: 249, truncated: true });
    expect(q.records).toHaveLength(220);
    const bulk = await sf.run('bulkIngest', {
      object: 'Contact',
      operation: 'upsert',
      externalIdField: 'Ext__c',
      records: [
        { Ext__c: 'M-1', LastName: 'Bulk' },
        { Ext__c: 'NEW-1', LastName: '' },
      ],
    });
    expect(bulk).toMatchObject({ successful: 1, failed: 1, unprocessed: 0 });
    expect(bulk.results[0]).toMatchObject({ status: 'success', created: false });
  });

  it('surfaces a 300 as a typed error, and classifies errors for job retries', async () => {
    org.state.seed('Contact', [
      { LastName: 'a', Ext__c: 'TWIN' },
      { LastName: 'b', Ext__c: 'TWIN' },
    ]);
    const error = await sf
      .run('upsert', { sobject: 'Contact', externalIdField: 'Ext__c', externalId: 'TWIN', fields: { LastName: 'c' } })
      .catch((e: unknown) => e);
    expect(isSalesforceMultipleMatchesError(error)).toBe(true);
    expect(salesforceConnector.classify!(error, { attempt: 1, idempotent: true })).toEqual({ action: 'fatal' });
  });
});
