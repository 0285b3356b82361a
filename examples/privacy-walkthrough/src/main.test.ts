import { startDemo, type Demo } from '@relaykit/gateway';
import { silentLogger } from '@relaykit/sdk-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from './main.js';

// The demo as `npm start` runs it (every connector on its fake, PGlite, in-memory queue), on a free port.
let demo: Demo;
beforeAll(async () => {
  demo = await startDemo({ port: 0, out: () => undefined, logger: silentLogger, env: {} });
}, 60_000);
afterAll(async () => {
  await demo?.close();
});

it('a guardian gets her data, then has it erased; the receipt holds counts only', async () => {
  const lines: string[] = [];
  const result = await main({
    baseUrl: demo.url,
    apiKey: demo.apiKey,
    adminKey: demo.adminKey,
    log: (l) => lines.push(l),
  });
  expect(result.access).toMatchObject({ jobs: 1 });
  expect(result.access.webhookEvents).toBeGreaterThan(0);
  expect(result.sources).toEqual(expect.arrayContaining(['relaykit_jobs', 'relaykit_job_attempts', 'relaykit_audit']));
  expect(result.receipt).toMatchObject({ state: 'done', counts: { jobs: 1 } });
  expect(JSON.stringify(result.receipt)).not.toMatch(/9841000101|Aarav/);
  expect(result.afterErasure).toMatchObject({ jobs: 0, webhookEvents: 0 });
  expect(result.otherGuardian).toMatchObject({ jobs: 1 });
  expect(lines.some((l) => l.startsWith('erasure receipt'))).toBe(true);
}, 60_000);
