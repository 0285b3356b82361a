// Privacy on real PostgreSQL: erasure of one data subject among N job rows, and retention purge throughput while the
// gateway keeps taking jobs.
//   npm run bench -- privacy [--rows 200000] [--subjectJobs 20] [--clients 8] [--batch 500] [--rotateRows 100000]
// N finished job rows (half of them past retention) with their blind-index entries are loaded straight into the
// database; a gateway (PostgreSQL, in-memory queue) then records the subject's jobs through its API. Figures:
// the erasure's time and rows touched; the purge's rows/s (payloads of the old half erased, batches of --batch);
// and the gateway's accepted jobs/s before, during and after the purge (the purge's throughput cost, against the
// mean of before and after). Then key rotation:
// --rotateRows jobs sealed with k1 are re-sealed with k2 (`relaykit encryption rotate`'s code), killed half-way and
// resumed; rows/s, and the rows left on k1 (0).
import { randomBytes } from 'node:crypto';
import { createEnvelopeCipher, generateKey, silentLogger } from '@relaykit/sdk-core';
import { startPostgres } from '@relaykit/testkit';
import { parseConfig } from '../packages/gateway/src/config/index.js';
import { Gateway } from '../packages/gateway/src/gateway.js';
import { encryptionStatus, rotateEncryption } from '../packages/gateway/src/privacy/encryption.js';
import { MemoryJobQueue } from '../packages/gateway/src/queue/index.js';
import { encryptingCodec } from '../packages/gateway/src/store/codec.js';
import { JobStore } from '../packages/gateway/src/store/job-store.js';
import { migrate } from '../packages/gateway/src/store/migrations.js';
import { postgresClient } from '../packages/gateway/src/store/sql.js';
import { schoolConnector } from '../packages/gateway/src/test-support/school.js';
import { numberArg, reportBench, round } from './lib.js';

const ROWS = numberArg('rows', 200_000);
const SUBJECT_JOBS = numberArg('subjectJobs', 20);
const CLIENTS = numberArg('clients', 8);
const BATCH = numberArg('batch', 500);
const LOAD_SECONDS = numberArg('seconds', 5);
const ROTATE_ROWS = numberArg('rotateRows', 100_000);
const log = (line: string) => console.error(`privacy: ${line}`);

const postgres = await startPostgres();
try {
  const url = await postgres.createDatabase();
  const sql = postgresClient(url, { max: 4 });
  await migrate(sql);
  log(`loading ${ROWS} job rows with their index entries`);
  const loadStarted = performance.now();
  for (let from = 1; from <= ROWS; from += 50_000) {
    const to = Math.min(ROWS, from + 49_999);
    await sql.query(
      `INSERT INTO relaykit_jobs (id, kind, environment, instance, operation, status, input, result, attempts, max_attempts, created_at, updated_at, started_at, finished_at)
       SELECT 'job_f' || lpad(g::text, 10, '0'), 'operation', 'development', 'school', 'message', 'succeeded',
         '{"to":"+97798' || lpad((g % 100000)::text, 8, '0') || '","name":"Filler ' || g || '"}', '{"sent":true}', 1, 1,
         now() - interval '200 days', now() - interval '200 days', now() - interval '200 days',
         now() - CASE WHEN g % 2 = 0 THEN interval '200 days' ELSE interval '1 day' END
       FROM generate_series($1::int, $2::int) g`,
      [from, to],
    );
    await sql.query(
      `INSERT INTO relaykit_subject_index (hmac, job_id, kind)
       SELECT encode(sha256(convert_to('filler-' || (g % 100000), 'UTF8')), 'hex'), 'job_f' || lpad(g::text, 10, '0'), 'phone'
       FROM generate_series($1::int, $2::int) g`,
      [from, to],
    );
  }
  await sql.query('ANALYZE');
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  log(`loaded in ${round(loadSeconds, 1)} s`);

  const config = parseConfig(
    {
      server: { port: 0, shutdownTimeout: '5s' },
      database: { url },
      apiKeys: { rateLimits: [{ limit: 1_000_000, window: '1s' }] },
      environments: ['development'],
      instances: { school: { connector: 'school', environment: 'development', concurrency: 16 } },
      privacy: {
        indexKey: randomBytes(32).toString('base64'),
        defaultRegion: 'NP',
        retention: { enabled: false, batch: BATCH, classes: { jobs: { keep: '100d' } } },
      },
    },
    {},
  );
  const queue = new MemoryJobQueue();
  const gateway = await Gateway.create({
    config,
    connectors: { school: schoolConnector },
    logger: silentLogger,
    queue,
  });
  const base = await gateway.listen(0, '127.0.0.1');
  const key = (await gateway.keys.create({ name: 'bench', environment: 'development', scopes: ['*'] })).secret;
  const dpo = (await gateway.keys.create({ name: 'dpo', environment: 'development', scopes: ['admin:privacy'] }))
    .secret;
  const post = (path: string, body: unknown, secret = key) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  const subject = { phone: '+9779841000777', email: 'guardian.bench@example.org', name: 'Bench Guardian' };
  const ids: string[] = [];
  for (let i = 0; i < SUBJECT_JOBS; i++) {
    const res = await post('/v1/school/message?wait=5s', {
      to: subject.phone,
      email: subject.email,
      name: subject.name,
      text: `note ${i}`,
    });
    ids.push(((await res.json()) as { id: string }).id);
  }

  // Erasure of the subject among ROWS + SUBJECT_JOBS rows.
  const erasureStarted = performance.now();
  const erasure = (await (
    await post('/v1/privacy/erasure', { phones: [subject.phone], emails: [subject.email] }, dpo)
  ).json()) as { state: string; counts: Record<string, number> };
  const erasureMs = performance.now() - erasureStarted;
  // Per data class, plus what each instance's connector erased (`connectors`: counts by instance, then class).
  const { connectors, ...classes } = erasure.counts;
  const held = Object.values(connectors ?? {}).flatMap((byClass): number[] => Object.values(byClass));
  const rowsTouched = [...Object.values(classes), ...held].reduce((a, b) => a + b, 0);
  log(`erasure: ${round(erasureMs)} ms, ${rowsTouched} rows touched (${JSON.stringify(erasure.counts)})`);

  // Load: CLIENTS clients submitting jobs as fast as they are accepted.
  let accepted = 0;
  let stop = false;
  const clients = Array.from({ length: CLIENTS }, async (_, c) => {
    let n = 0;
    while (!stop) {
      const res = await post('/v1/school/message', {
        to: `+97798${String(c).padStart(2, '0')}${String(n++ % 1e6).padStart(6, '0')}`,
      });
      await res.arrayBuffer();
      if (res.status === 202) accepted++;
    }
  });
  const rate = async (seconds: number) => {
    const a = accepted;
    const t = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return (accepted - a) / ((performance.now() - t) / 1000);
  };
  await rate(1); // warm-up
  const baselineJobsPerSecond = await rate(LOAD_SECONDS);
  log(`baseline: ${round(baselineJobsPerSecond)} jobs/s accepted`);
  const duringStart = accepted;
  const purgeStarted = performance.now();
  const purge = await gateway.privacy!.retention.runOnce();
  const purgeSeconds = (performance.now() - purgeStarted) / 1000;
  const duringJobsPerSecond = (accepted - duringStart) / purgeSeconds;
  // Measured again after the purge: the cost is judged against both sides, so a rate still rising (or sinking)
  // across the run is not taken for the purge's effect.
  const afterJobsPerSecond = await rate(LOAD_SECONDS);
  const aroundJobsPerSecond = (baselineJobsPerSecond + afterJobsPerSecond) / 2;
  stop = true;
  await Promise.all(clients);
  const purged = purge.counts.jobs;
  log(
    `purge: ${purged} rows in ${round(purgeSeconds, 2)} s; ${round(duringJobsPerSecond)} jobs/s meanwhile, ${round(afterJobsPerSecond)} after`,
  );
  await gateway.close();

  // Key rotation: ROTATE_ROWS sealed with k1, re-sealed with k2, killed half-way, resumed.
  const k1 = generateKey();
  const k2 = generateKey();
  const sealing = new JobStore(sql, encryptingCodec(createEnvelopeCipher({ keys: [{ id: 'k1', key: k1 }] })));
  for (let i = 0; i < ROTATE_ROWS; i += 2000)
    await sealing.create(
      Array.from({ length: Math.min(2000, ROTATE_ROWS - i) }, (_, n) => ({
        id: `job_r${String(i + n).padStart(10, '0')}`,
        kind: 'operation' as const,
        environment: 'development',
        instance: 'school',
        operation: 'message',
        input: { to: '+9779841000001', name: 'Sealed Guardian', n: i + n },
        maxAttempts: 1,
      })),
    );
  const rotating = createEnvelopeCipher({
    keys: [
      { id: 'k1', key: k1 },
      { id: 'k2', key: k2 },
    ],
    primary: 'k2',
  });
  const rotateStarted = performance.now();
  const kill = new AbortController();
  const first = await rotateEncryption(sql, rotating, {
    batch: 1000,
    signal: kill.signal,
    onProgress: (p) => {
      if (p.thisRun >= ROTATE_ROWS / 2) kill.abort();
    },
  }).catch(() => undefined);
  const resumed = await rotateEncryption(sql, rotating, { batch: 1000 });
  const rotateSeconds = (performance.now() - rotateStarted) / 1000;
  const status = await encryptionStatus(sql);
  log(
    `rotation: ${ROTATE_ROWS} rows in ${round(rotateSeconds, 1)} s (killed half-way: ${first === undefined}); keys ${JSON.stringify(status.keys)}`,
  );
  await sql.close();

  reportBench('privacy', {
    rows: ROWS + SUBJECT_JOBS,
    subjectJobs: SUBJECT_JOBS,
    loadSeconds: round(loadSeconds, 1),
    erasureMs: round(erasureMs),
    erasureState: erasure.state,
    erasureRowsTouched: rowsTouched,
    erasureCounts: erasure.counts,
    purgeRows: purged,
    purgeBatch: BATCH,
    purgeSeconds: round(purgeSeconds, 2),
    purgeRowsPerSecond: round(purged / purgeSeconds),
    jobsPerSecondBefore: round(baselineJobsPerSecond),
    jobsPerSecondDuringPurge: round(duringJobsPerSecond),
    jobsPerSecondAfter: round(afterJobsPerSecond),
    throughputCostPercent: round((1 - duringJobsPerSecond / aroundJobsPerSecond) * 100, 1),
    clients: CLIENTS,
    rotationRows: ROTATE_ROWS,
    rotationResumedRows: resumed.rotated,
    rotationSeconds: round(rotateSeconds, 2),
    rotationRowsPerSecond: round(ROTATE_ROWS / rotateSeconds),
    rotationLeftOnK1: status.keys.k1 ?? 0,
  });
} finally {
  await postgres.stop();
}
