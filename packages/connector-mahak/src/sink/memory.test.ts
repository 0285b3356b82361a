import { MemoryCheckpointStore } from '@relaykit/sdk-core';
import { afterEach, describe, expect, it } from 'vitest';
import { MahakClient } from '../client/client.js';
import { syncMahakEntity } from '../sync/sync.js';
import { startFakeMahak, type FakeMahak } from '../testing/index.js';
import { createMahakMemorySink } from './memory.js';

let fake: FakeMahak | undefined;
afterEach(async () => {
  await fake?.close();
});

describe('in-memory sink', () => {
  it('mirrors the fake through ties split across pages, updates and soft deletes', async () => {
    fake = await startFakeMahak({ seed: { Product: 23 }, seedRowsPerVersion: 5, paging: 'adversarial' });
    const client = new MahakClient({ baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: 1 });
    const checkpoints = new MemoryCheckpointStore();
    const sink = createMahakMemorySink({ checkpoints });
    const run = () => syncMahakEntity({ client, entity: 'Product', sink, checkpoints, pageSize: 4 });
    expect((await run()).upserts).toBe(23);
    fake.transaction(() => {
      fake!.update('Product', 1, { Name: 'One' });
      fake!.remove('Product', 2);
      fake!.insert('Product', { Name: 'New' });
    });
    const second = await run();
    expect([second.upserts, second.deletes]).toEqual([2, 1]);
    const mirror = [...sink.rows.values()].map((r) => [Number(r.mahakId), r.rowVersion, r.deletedAt !== null]);
    expect(mirror.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      fake.allRows('Product').map((r) => [r.ProductId, r.RowVersion, r.Deleted === true]),
    );
    expect(sink.live()).toHaveLength(23);
    expect(sink.rows.get(1n)!.data!.name).toBe('One');
    await client.close();
  });
});
