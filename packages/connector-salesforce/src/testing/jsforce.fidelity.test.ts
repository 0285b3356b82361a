import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOrg, type FakeOrg } from './index.js';

// jsforce is a real, independently written Salesforce client: if it works against the fake org
// the way it works against a real one, the fake speaks the wire format faithfully.
describe('fake org driven by jsforce 3', () => {
  let org: FakeOrg;
  beforeAll(async () => {
    org = await startFakeOrg({ bulkStepMs: 20 });
  });
  afterAll(() => org.close());

  const login = async () => {
    const conn = new jsforce.Connection({
      oauth2: { loginUrl: org.loginUrl, clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
      version: '60.0',
    });
    await conn.login('integration@example.org', 'passwordTOKEN');
    return conn;
  };

  it('logs in with the OAuth password flow and reports the instance and user', async () => {
    const conn = await login();
    expect(conn.instanceUrl).toBe(org.url);
    expect(conn.accessToken).toMatch(/^00D/);
    expect(conn.userInfo?.organizationId).toBe('00DFk0000000001AAA');
  });

  it('rejects a wrong password like Salesforce (invalid_grant)', async () => {
    const conn = new jsforce.Connection({
      oauth2: { loginUrl: org.loginUrl, clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
      version: '60.0',
    });
    await expect(conn.login('integration@example.org', 'wrong')).rejects.toThrow(/authentication failure/);
  });

  it('works from instanceUrl + accessToken and upserts one record (201 then 200)', async () => {
    const conn = new jsforce.Connection({ instanceUrl: org.url, accessToken: org.issueToken(), version: '60.0' });
    const created = await conn.sobject('Contact').upsert({ Ext__c: 'J-1', LastName: 'Lovelace' }, 'Ext__c');
    expect(created).toMatchObject({ success: true, created: true });
    const updated = await conn.sobject('Contact').upsert({ Ext__c: 'J-1', LastName: 'King' }, 'Ext__c');
    expect(updated).toMatchObject({ success: true, created: false, id: (created as { id: string }).id });
    const rec = await conn.sobject('Contact').retrieve((created as { id: string }).id);
    expect(rec).toMatchObject({ LastName: 'King', Ext__c: 'J-1' });
    expect(conn.limitInfo.apiUsage?.used).toBeGreaterThan(0);
  });

  it('upserts a collection through /composite/sobjects with per-record results', async () => {
    const conn = await login();
    const records = Array.from({ length: 450 }, (_, i) => ({
      Ext__c: `C-${i}`,
      LastName: `Name ${i}`,
      ...(i === 7 ? { LastName: '' } : {}),
    }));
    const results = await conn.sobject('Contact').upsert(records, 'Ext__c', { allowRecursive: true });
    expect(results).toHaveLength(450);
    expect(results.filter((r) => r.success)).toHaveLength(449);
    expect(results[7]).toMatchObject({ success: false });
    expect(JSON.stringify(results[7])).toContain('REQUIRED_FIELD_MISSING');
    expect(org.ledger.countsByExternalId('Contact').get('C-449')).toBe(1);
  });

  it('creates, updates and deletes single records and collections (jsforce CRUD)', async () => {
    const conn = await login();
    const one = await conn.sobject('Account').create({ Name: 'Solo' });
    expect(one).toMatchObject({ success: true, id: expect.stringMatching(/^001/) });
    const many = await conn.sobject('Account').create([{ Name: 'A' }, { Name: '' }, { Name: 'C' }]);
    expect(many.map((r) => r.success)).toEqual([true, false, true]);
    const upd = await conn.sobject('Account').update({ Id: (one as { id: string }).id, Name: 'Solo 2' });
    expect(upd).toMatchObject({ success: true });
    const del = await conn.sobject('Account').destroy([(one as { id: string }).id, (many[0] as { id: string }).id]);
    expect(del.map((r) => r.success)).toEqual([true, true]);
    await expect(conn.sobject('Account').retrieve((one as { id: string }).id)).rejects.toMatchObject({
      errorCode: 'NOT_FOUND',
    });
    const limits = await conn.limits();
    expect(limits.DailyApiRequests?.Max).toBe(100_000);
  });

  it('queries with paging: autoFetch follows nextRecordsUrl, queryMore by hand too', async () => {
    const conn = await login();
    org.state.seed(
      'Account',
      Array.from({ length: 2500 }, (_, i) => ({ Name: `Acc ${i}`, Ext__c: `A-${i}`, Region__c: i % 2 ? 'EU' : 'US' })),
    );
    const all = await conn
      .query("SELECT Id, Name FROM Account WHERE Name LIKE 'Acc %'")
      .run({ autoFetch: true, maxFetch: 10_000 });
    expect(all.records).toHaveLength(2500);
    expect(all.totalSize).toBe(2500);
    const first = await conn.query("SELECT Id, Name, Region__c FROM Account WHERE Region__c = 'EU'", {
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
    } as never);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(200);
    const next = await conn.queryMore(first.nextRecordsUrl!);
    expect(next.records).toHaveLength(200);
    expect(next.records[0]).toMatchObject({ Region__c: 'EU', attributes: { type: 'Account' } });
  });

  it('runs a Bulk 2.0 load and returns successful and failed results', async () => {
    const conn = await login();
    const input = Array.from({ length: 300 }, (_, i) => ({
      Ext__c: `B-${i}`,
      LastName: i === 5 ? '' : `Bulk ${i}`,
      Email: `b${i}@example.org`,
    }));
    const res = await conn.bulk2.loadAndWaitForResults({
      object: 'Contact',
      operation: 'upsert',
      externalIdFieldName: 'Ext__c',
      input,
      pollInterval: 20,
      pollTimeout: 10_000,
    });
    expect(res.successfulResults).toHaveLength(299);
    expect(res.failedResults).toHaveLength(1);
    expect(res.failedResults[0]).toMatchObject({ Ext__c: 'B-5' });
    expect(String(res.failedResults[0]!.sf__Error)).toMatch(/^REQUIRED_FIELD_MISSING/);
    expect(res.successfulResults.every((r) => /^003/.test(String(r.sf__Id)))).toBe(true);
    expect(res.unprocessedRecords).toHaveLength(0);
  });

  it('runs a Bulk 2.0 query with locator paging', async () => {
    const conn = await login();
    const rows = await conn.bulk2.query("SELECT Id, Ext__c FROM Account WHERE Region__c = 'US'", {
      pollInterval: 20,
      pollTimeout: 10_000,
    });
    const records: unknown[] = [];
    for await (const r of rows) records.push(r);
    expect(records).toHaveLength(1250);
  });

  it('a Bulk 2.0 ingest job that ends Failed: jsforce reports its errorMessage; results of the processed rows stay readable', async () => {
    const conn = await login();
    org.setFaults({
      bulkJobs: {
        end: 'Failed',
        kind: 'ingest',
        afterRecords: 40,
        errorMessage: 'InvalidBatch : Field name not found : Bogus__c',
      },
    });
    const input = Array.from({ length: 100 }, (_, i) => ({
      Ext__c: `BF-${i}`,
      LastName: i === 3 ? '' : `Failing ${i}`,
    }));
    await expect(
      conn.bulk2.loadAndWaitForResults({
        object: 'Contact',
        operation: 'upsert',
        externalIdFieldName: 'Ext__c',
        input,
        pollInterval: 20,
        pollTimeout: 10_000,
      }),
    ).rejects.toThrow('Ingest job failed to complete due to: InvalidBatch : Field name not found : Bogus__c');

    // The same by hand, keeping the job to read what it did before it failed.
    org.setFaults({ bulkJobs: { end: 'Failed', kind: 'ingest', afterRecords: 40 } });
    const job = conn.bulk2.createJob({ object: 'Contact', operation: 'upsert', externalIdFieldName: 'Ext__c' });
    await job.open();
    await job.uploadData(input.map((r) => ({ ...r, Ext__c: `${r.Ext__c}b` })));
    await job.close();
    await expect(job.poll(20, 10_000)).rejects.toThrow(/^Ingest job failed to complete due to: InvalidBatch/);
    expect(await job.check()).toMatchObject({ state: 'Failed', numberRecordsProcessed: 40, numberRecordsFailed: 1 });
    const failed = await job.getFailedResults();
    expect(failed).toHaveLength(1);
    expect(Object.keys(failed[0]!)).toEqual(expect.arrayContaining(['sf__Id', 'sf__Error', 'Ext__c', 'LastName']));
    expect(failed[0]).toMatchObject({ Ext__c: 'BF-3b', sf__Error: expect.stringMatching(/^REQUIRED_FIELD_MISSING:/) });
    expect(await job.getSuccessfulResults()).toHaveLength(39);
    expect(await job.getUnprocessedRecords()).toHaveLength(60);
  });

  it('Bulk 2.0 jobs that end Aborted: jsforce stops polling with "Job has been aborted"; its own abort is honoured', async () => {
    const conn = await login();
    org.setFaults({ bulkJobs: { end: 'Aborted', kind: 'ingest' } });
    await expect(
      conn.bulk2.loadAndWaitForResults({
        object: 'Account',
        operation: 'insert',
        input: [{ Name: 'Never' }],
        pollInterval: 20,
        pollTimeout: 10_000,
      }),
    ).rejects.toThrow('Job has been aborted');
    org.setFaults({});
    const job = conn.bulk2.createJob({ object: 'Account', operation: 'insert' });
    await job.open();
    await job.uploadData([{ Name: 'Aborted by jsforce' }]);
    await job.abort();
    expect(await job.check()).toMatchObject({ state: 'Aborted', numberRecordsProcessed: 0 });
    await expect(job.poll(20, 10_000)).rejects.toThrow('Job has been aborted');
    expect(org.state.records('Account').filter((r) => r.Name === 'Aborted by jsforce')).toHaveLength(0);
  });

  it('a Bulk 2.0 query job that ends Failed (no errorMessage, as Salesforce) or Aborted', async () => {
    const conn = await login();
    org.setFaults({ bulkJobs: { end: 'Failed', kind: 'query' } });
    await expect(conn.bulk2.query('SELECT Id FROM Account', { pollInterval: 20, pollTimeout: 10_000 })).rejects.toThrow(
      'Query job failed to complete',
    );
    org.setFaults({ bulkJobs: { end: 'Aborted', kind: 'query' } });
    await expect(conn.bulk2.query('SELECT Id FROM Account', { pollInterval: 20, pollTimeout: 10_000 })).rejects.toThrow(
      'Job has been aborted',
    );
    org.setFaults({});
  });

  it("refreshes an expired session with its refresh token (jsforce's own refresh delegate)", async () => {
    const own = await startFakeOrg({ refreshTokens: ['rt-jsforce'] });
    try {
      const conn = new jsforce.Connection({
        oauth2: { loginUrl: own.loginUrl, clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
        instanceUrl: own.url,
        accessToken: 'stale',
        refreshToken: 'rt-jsforce',
        version: '60.0',
      });
      let rotated: string | undefined;
      conn.on('refresh', (_token: string, res: { refresh_token?: string }) => {
        rotated = res.refresh_token;
      });
      const res = await conn.query('SELECT Id FROM Contact');
      expect(res.totalSize).toBe(0);
      expect(own.state.grants('refresh_token')).toBe(1);
      expect(rotated).toBe(own.state.issuedRefreshTokens[0]);
    } finally {
      await own.close();
    }
  });
});
