// The seed examples' schedules: the YAML files in examples/ load and validate against the real connectors, and
// the demo runs the same schedules and lists them in the API.
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@relaykit/sdk-core';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../config/index.js';
import { startDemo } from '../demo/index.js';
import { loadInstances } from '../runtime/instances.js';
import { declaredSchedules } from './declared.js';
import { nextFireTimes } from './definition.js';

const example = (name: string) =>
  fileURLToPath(new URL(`../../../../examples/${name}/relaykit.schedules.yaml`, import.meta.url));

const env = {
  SF_INSTANCE_URL: 'https://acme.my.salesforce.com',
  SF_CLIENT_ID: 'id',
  SF_CLIENT_SECRET: 'secret',
  MAHAK_URL: 'https://mahak.example.com',
  MAHAK_USER: 'user',
  MAHAK_PASSWORD: 'password',
  WA_ACCESS_TOKEN: 'token',
  WA_PHONE_NUMBER_ID: '100000000000001',
  WA_APP_SECRET: 'secret',
  WA_VERIFY_TOKEN: 'verify',
};

async function schedulesOf(name: string) {
  const config = await loadConfigFile(example(name), env);
  return declaredSchedules(await loadInstances(config));
}

describe('seed examples', () => {
  it('Salesforce: data sync every 15 minutes', async () => {
    const [sync] = await schedulesOf('salesforce-donations');
    expect(sync).toMatchObject({ id: 'sf-prod.donor-sync', operation: 'query', source: 'config' });
    expect(nextFireTimes(sync!.timing, new Date('2026-01-01T00:01:00Z'), 2).map((d) => d.toISOString())).toEqual([
      '2026-01-01T00:15:00.000Z',
      '2026-01-01T00:30:00.000Z',
    ]);
    expect(sync!.policy).toMatchObject({ overlap: 'skip', missed: 'once', jitter: 30_000 });
  });

  it("Mahak: the connector's incremental sync every 5 minutes, tuned by the file", async () => {
    const [sync] = await schedulesOf('store-mahak-sync');
    expect(sync).toMatchObject({ id: 'mahak-store.syncAll', operation: 'syncAll', source: 'connector' });
    expect(sync!.timing).toEqual({ cron: '*/5 * * * *', every: null, timeZone: 'Asia/Tehran' });
  });

  it('WhatsApp: 07:30 Asia/Kathmandu on school days, dropped after 30 minutes, never caught up', async () => {
    const [notice] = await schedulesOf('school-broadcast');
    expect(notice).toMatchObject({ id: 'wa-school.morning-notice', operation: 'broadcast' });
    // Friday 2026-03-06 07:30 NPT, then Sunday and Monday: no Saturday.
    expect(nextFireTimes(notice!.timing, new Date('2026-03-05T12:00:00Z'), 3).map((d) => d.toISOString())).toEqual([
      '2026-03-06T01:45:00.000Z',
      '2026-03-08T01:45:00.000Z',
      '2026-03-09T01:45:00.000Z',
    ]);
    expect(notice!.policy).toMatchObject({ missed: 'skip', deadline: 30 * 60_000 });
  });

  it('the demo runs the examples and lists them in the API', async () => {
    const demo = await startDemo({ port: 0, out: () => undefined, env: {}, logger: silentLogger });
    try {
      const res = await fetch(`${demo.url}/v1/schedules`, { headers: { authorization: `Bearer ${demo.apiKey}` } });
      const body = (await res.json()) as { schedules: Array<{ id: string; next: string[] }> };
      expect(body.schedules.map((s) => s.id).sort()).toEqual([
        'mahak-demo.syncAll',
        'sf-demo.donor-sync',
        'wa-demo.morning-notice',
      ]);
      for (const s of body.schedules) expect(s.next).toHaveLength(3);
    } finally {
      await demo.close();
    }
  }, 120_000);
});
