// Upserts N records into the fake Salesforce org with relaykit (collections, chunks in parallel)
// and with jsforce (`sobject().upsert(array, extId, { allowRecursive: true })`, its natural way
// to upsert many), side by side in one run. API calls are counted by the fake org itself.
//
//   npm run bench -- salesforce [--records 10000] [--latency 25] [--rounds 2] [--concurrency 6]
//
// A second run drives 1,000 parallel single upserts while the org expires every session after each
// 300 calls (`expiry` in the JSON line): it must end with no failure, one token request per expiry,
// and at most one extra 401 per open connection per expiry. `sentAfterDeadKnown` counts the 401s on requests that
// left after the client had already been told their token was dead: 0 means every extra 401 was on the wire (or
// leaving) before the first 401 of its expiry came back, which no client can avoid; with every connection busy
// and the org checking the session after its latency, that is one per connection per expiry, i.e. the bound.
//
// `--latency` adds a delay to every answer of the fake org, standing in for the network round
// trip to a real org (0 measures the fake's CPU only).
import jsforce from 'jsforce';
import { SalesforceClient } from '@relaykit/connector-salesforce';
import { deadTokenProbe, startFakeOrg, type FakeOrg } from '@relaykit/connector-salesforce/testing';
import { numberArg, reportBench, round } from './lib.js';

const records = numberArg('records', 10_000);
const latencyMs = numberArg('latency', 25);
const rounds = Math.max(1, numberArg('rounds', 2));
const concurrency = numberArg('concurrency', 6);

const rows = (prefix: string, n = records) =>
  Array.from({ length: n }, (_, i) => ({
    Ext__c: `${prefix}-${i}`,
    LastName: `Donor ${i}`,
    Email: `donor${i}@example.org`,
    Amount__c: i % 500,
  }));

function verify(org: FakeOrg, label: string, n: number): void {
  const counts = org.ledger.countsByExternalId('Contact');
  const once = [...counts.values()].every((c) => c === 1);
  if (counts.size !== n || !once)
    throw new Error(`${label}: expected ${n} records written once each, got ${counts.size} (once: ${once})`);
}

async function runRelaykit(round: number, n = records): Promise<{ ms: number; calls: number }> {
  const org = await startFakeOrg({ faults: { latencyMs } });
  const sf = new SalesforceClient({
    instanceUrl: org.url,
    apiVersion: '60.0',
    concurrency,
    auth: { flow: 'client_credentials', clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
  });
  try {
    await sf.sessions.current(); // sign in outside the timed part, as jsforce gets a ready token
    const data = rows(`R${round}`, n);
    const started = performance.now();
    const results = await sf.upsertMany('Contact', 'Ext__c', data);
    const ms = performance.now() - started;
    if (results.some((r) => !r.success)) throw new Error('relaykit: some upserts failed');
    verify(org, 'relaykit', n);
    return { ms, calls: org.state.restCalls };
  } finally {
    await sf.close();
    await org.close();
  }
}

async function runJsforce(round: number, n = records): Promise<{ ms: number; calls: number }> {
  const org = await startFakeOrg({ faults: { latencyMs } });
  try {
    const conn = new jsforce.Connection({ instanceUrl: org.url, accessToken: org.issueToken(), version: '60.0' });
    const data = rows(`J${round}`, n);
    const started = performance.now();
    const results = await conn.sobject('Contact').upsert(data, 'Ext__c', { allowRecursive: true });
    const ms = performance.now() - started;
    if ((results as Array<{ success: boolean }>).some((r) => !r.success))
      throw new Error('jsforce: some upserts failed');
    verify(org, 'jsforce', n);
    return { ms, calls: org.state.restCalls };
  } finally {
    await org.close();
  }
}

/** 1,000 parallel upserts, the session expiring every 300 calls. */
async function runExpiry(): Promise<Record<string, number>> {
  const calls = 1000;
  const connections = 32;
  const org = await startFakeOrg({ faults: { latencyMs, expireSessionsEvery: { calls: 300 } } });
  const probe = deadTokenProbe();
  const sf = new SalesforceClient({
    instanceUrl: org.url,
    apiVersion: '60.0',
    connections,
    createHttpClient: probe.createHttpClient,
    auth: { flow: 'client_credentials', clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
  });
  try {
    const started = performance.now();
    const settled = await Promise.allSettled(
      Array.from({ length: calls }, (_, i) => sf.upsert('Contact', 'Ext__c', `X-${i}`, { LastName: `Donor ${i}` })),
    );
    const ms = performance.now() - started;
    const expiries = org.state.sessionExpiries;
    const extra401 = org.state.requests.filter((r) => r.status === 401).length;
    return {
      calls,
      failures: settled.filter((r) => r.status === 'rejected').length,
      expiries,
      connections,
      extra401,
      maxExtra401: expiries * connections,
      sentAfterDeadKnown: probe.sentAfterDeadKnown,
      tokenRequests: org.state.tokenRequests.length,
      httpRequests: org.state.requests.length,
      ms: round(ms, 0),
    };
  } finally {
    await sf.close();
    await org.close();
  }
}

// Warm both code paths up (JIT) before timing anything.
await runJsforce(-1, 1000);
await runRelaykit(-1, 1000);
const relaykit: Array<{ ms: number; calls: number }> = [];
const jsf: Array<{ ms: number; calls: number }> = [];
for (let r = 0; r < rounds; r++) {
  // Alternate the order so neither side always runs on a warmer process.
  if (r % 2 === 0) {
    jsf.push(await runJsforce(r));
    relaykit.push(await runRelaykit(r));
  } else {
    relaykit.push(await runRelaykit(r));
    jsf.push(await runJsforce(r));
  }
}
const expiry = await runExpiry();
const best = (xs: Array<{ ms: number }>) => Math.min(...xs.map((x) => x.ms));
const relaykitRps = records / (best(relaykit) / 1000);
const jsforceRps = records / (best(jsf) / 1000);
reportBench('salesforce', {
  records,
  latencyMs,
  rounds,
  concurrency,
  relaykitRecordsPerSec: round(relaykitRps, 0),
  jsforceRecordsPerSec: round(jsforceRps, 0),
  ratio: round(relaykitRps / jsforceRps, 2),
  relaykitApiCalls: relaykit[0]!.calls,
  jsforceApiCalls: jsf[0]!.calls,
  relaykitCallsPer10k: round((relaykit[0]!.calls / records) * 10_000, 1),
  expiry,
  goal: 'ratio >= 1.5 and <= 50 calls per 10k; expiry: 0 failures, extra401 <= expiries x connections',
});
