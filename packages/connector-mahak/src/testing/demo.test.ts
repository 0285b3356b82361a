import { instantiateConnector, pgliteSqlClient } from '@relaykit/sdk-core';
import { afterEach, describe, expect, it } from 'vitest';
import { mahakConnector } from '../connector.js';
import { demo } from './demo.js';

describe('the Mahak demo', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("configures an instance for its fake Mahak that syncs into the runtime's database; its samples succeed", async () => {
    expect(demo.connector).toBe(mahakConnector);
    const running = await demo.start({ instance: demo.instance, webhookUrl: () => 'http://127.0.0.1:9/unused' });
    stops.push(() => running.stop());
    const database = await pgliteSqlClient();
    stops.push(() => database.close());
    const mahak = await instantiateConnector(demo.connector, {
      instance: demo.instance,
      config: running.config,
      database,
    });
    stops.push(() => mahak.close());
    const results = [];
    for (const sample of running.samples) results.push(await mahak.run(sample.operation, sample.input as never));
    expect(results[0]).toMatchObject({ entity: 'Product', records: 20 });
    expect(results[1]).toMatchObject({ results: [{ ok: true }] });
  }, 120_000);
});
