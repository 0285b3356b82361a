import type { ConnectorDemo } from '@relaykit/sdk-core';
import { whatsappConnector } from '../connector.js';
import { startFakeGraph } from './fake-graph.js';

/**
 * The connector's part in `relaykit start --demo`: a fake Graph API that posts signed delivery statuses
 * (sent → delivered → read) to the runtime's webhook route, an instance configuration for it, and a text send.
 */
export const demo: ConnectorDemo = {
  connector: whatsappConnector,
  instance: 'wa-demo',
  title: 'WhatsApp',
  async start(context) {
    const appSecret = 'demo-app-secret';
    const fake = await startFakeGraph({
      accessToken: 'demo-access-token',
      webhook: {
        url: context.webhookUrl(),
        appSecret,
        duplicates: context.webhookDuplicates ?? 0,
        retryDelaysMs: [200, 500, 1000, 2000],
      },
    });
    const example = whatsappConnector.operations.sendText.example!;
    // A customer wrote in first, so the 24-hour window for free-form text is open.
    fake.openWindow(example.to.replace(/\D/g, ''));
    return {
      config: {
        baseUrl: fake.url,
        accessToken: fake.accessToken,
        phoneNumberId: '100000000000001',
        appSecret,
        verifyToken: 'demo-verify-token',
        // Local numbers, as in the sendTemplate and broadcast examples (9841234567), are read as Nepali ones.
        defaultRegion: 'NP',
      },
      samples: [
        {
          title: 'WhatsApp: send a text (delivery statuses come back on the webhook route)',
          operation: 'sendText',
          input: example,
        },
      ],
      fake,
      stop: () => fake.close(),
    };
  },
};
