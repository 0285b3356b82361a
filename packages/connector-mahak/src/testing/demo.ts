import type { ConnectorDemo } from '@relaykit/sdk-core';
import { mahakConnector } from '../connector.js';
import { startFakeMahak } from './fake-mahak.js';

/**
 * The connector's part in `relaykit start --demo`: a fake Mahak with people and products, an instance configuration
 * with no database of its own (synced rows go into the runtime's database), a product sync and an order push.
 */
export const demo: ConnectorDemo = {
  connector: mahakConnector,
  instance: 'mahak-demo',
  title: 'Mahak',
  async start() {
    const fake = await startFakeMahak({ seed: { Person: 20, Product: 20, ProductDetail: 20 } });
    return {
      config: { baseUrl: fake.url, userName: 'demo', password: 'demo-password', databaseId: 1 },
      samples: [
        {
          title: "Mahak: sync products into the gateway's database",
          operation: 'syncEntity',
          input: { entity: 'Product' },
        },
        {
          title: 'Mahak: push a store order (stable ClientId: a replay creates nothing twice)',
          operation: 'pushOrders',
          input: mahakConnector.operations.pushOrders.example,
        },
      ],
      fake,
      stop: () => fake.close(),
    };
  },
};
