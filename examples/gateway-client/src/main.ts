// A donations website hands its donors to Salesforce through a running relaykit gateway, with the typed client:
//   1. upsert a donor by external id, waiting in the gateway for the result (?wait=);
//   2. send it again with the same Idempotency-Key, as a retry after a lost answer would: the same job, one write;
//   3. a mistake (no external id) comes back as a RelaykitApiError with its stable code and the failing fields;
//   4. the nightly batch: all accepted in one call, then each polled to completion.
// Start the demo first (`npm start`) and paste the RELAYKIT_URL and RELAYKIT_KEY lines it prints.
import { pathToFileURL } from 'node:url';
import { createIdempotencyKey, createRelaykitClient, isRelaykitApiError, type JobStatus } from '@relaykit/client';

/** The demo's Salesforce instance as this app uses it: typing it is optional, inputs are `unknown` otherwise. */
type DemoOperations = {
  'sf-demo': {
    upsert: {
      input: { sobject: 'Contact'; externalIdField: string; externalId: string; fields: Record<string, unknown> };
      output: { id?: string; created: boolean };
    };
  };
};

/** What one run did. */
export interface ClientSummary {
  jobId: string;
  created: boolean;
  replayedSameJob: boolean;
  mistake: { status: number; code: string; fields: string[] };
  batch: JobStatus[];
}

const donor = (id: string, lastName: string) => ({
  sobject: 'Contact' as const,
  externalIdField: 'Ext__c',
  externalId: id,
  fields: { LastName: lastName, Email: `${id.toLowerCase()}@example.org` },
});

export async function main(
  options: { baseUrl?: string; apiKey?: string; log?: (line: string) => void; runId?: string } = {},
): Promise<ClientSummary> {
  const log = options.log ?? console.log;
  const baseUrl = options.baseUrl ?? process.env.RELAYKIT_URL ?? 'http://127.0.0.1:8080';
  const apiKey = options.apiKey ?? process.env.RELAYKIT_KEY;
  if (!apiKey) throw new Error('Set RELAYKIT_KEY to the key `npm start` prints (and RELAYKIT_URL to its URL)');
  const run = options.runId ?? Date.now().toString(36);
  const relaykit = createRelaykitClient<DemoOperations>({ baseUrl, apiKey });

  // 1. One donor, waited for in the gateway; keep the key for any retry of this very request.
  const idempotencyKey = createIdempotencyKey();
  const input = donor(`D-${run}-1`, 'Okafor');
  const job = await relaykit.run('sf-demo', 'upsert', input, { idempotencyKey, wait: '10s' });
  const created = job.result?.created ?? false;
  log(`upsert ${input.externalId}: job ${job.id} ${job.status}${created ? ' (created)' : ''}`);

  // 2. The retry: same key, same body → the first answer again, nothing written twice.
  const replay = await relaykit.submit('sf-demo', 'upsert', input, { idempotencyKey, wait: '10s' });
  log(`retry with the same Idempotency-Key: job ${replay.id} (${replay.id === job.id ? 'the same job' : 'a NEW job'})`);

  // 3. A mistake is a typed error, not a string to parse.
  let mistake: ClientSummary['mistake'] = { status: 0, code: '', fields: [] };
  try {
    await relaykit.submit('sf-demo', 'upsert', { ...input, externalId: '' });
  } catch (error) {
    if (!isRelaykitApiError(error)) throw error;
    const fields = (error.problem.errors ?? []).map((e) => e.path);
    mistake = { status: error.status, code: error.code, fields };
    log(`a donor without an external id: ${error.status} ${error.code} (${fields.join(', ')})`);
  }

  // 4. The nightly batch: accepted together, then each followed to its end.
  const accepted = await relaykit.submitBatch(
    ['Santoso', 'Lestari', 'Wirawan'].map((name, i) => ({
      instance: 'sf-demo',
      operation: 'upsert',
      input: donor(`D-${run}-${i + 2}`, name),
    })),
    { idempotencyKey: createIdempotencyKey() },
  );
  const finished = await Promise.all(accepted.map((a) => relaykit.waitForJob(a.id, { timeoutMs: 30_000 })));
  const batch = finished.map((j) => j.status);
  log(`batch of ${accepted.length}: ${batch.join(', ')}`);

  return { jobId: job.id, created, replayedSameJob: replay.id === job.id, mistake, batch };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
