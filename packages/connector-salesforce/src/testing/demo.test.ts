import { instantiateConnector } from '@relaykit/sdk-core';
import { afterEach, describe, expect, it } from 'vitest';
import { salesforceConnector } from '../connector.js';
import { demo } from './demo.js';

describe('the Salesforce demo', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('configures an instance for its fake org, whose samples and record examples run as shown', async () => {
    expect(demo.connector).toBe(salesforceConnector);
    const running = await demo.start({ instance: demo.instance, webhookUrl: () => 'http://127.0.0.1:9/unused' });
    stops.push(() => running.stop());
    const sf = await instantiateConnector(demo.connector, { instance: demo.instance, config: running.config });
    stops.push(() => sf.close());
    expect(running.samples.length).toBeGreaterThan(0);
    for (const sample of running.samples.filter((s) => !s.failsOnPurpose))
      await sf.run(sample.operation, sample.input as never);
    // The one that fails on purpose fails as the org would answer it: the record is not there.
    for (const sample of running.samples.filter((s) => s.failsOnPurpose))
      await expect(sf.run(sample.operation, sample.input as never)).rejects.toMatchObject({ code: expect.any(String) });
    // update, get and delete name a Contact by id: the fake org holds it (delete last).
    const { update, get, delete: remove } = salesforceConnector.operations;
    await sf.run('update', update.example!);
    expect((await sf.run('get', { ...get.example!, fields: ['Phone'] })).record).toMatchObject({
      Phone: '+62 21 555 0100',
    });
    expect(await sf.run('delete', remove.example!)).toEqual({ id: remove.example!.id, deleted: true });
  });
});
