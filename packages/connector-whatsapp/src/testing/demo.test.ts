import { createServer } from 'node:http';
import { instantiateConnector } from '@relaykit/sdk-core';
import { waitFor } from '@relaykit/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { whatsappConnector } from '../connector.js';
import { demo } from './demo.js';

describe('the WhatsApp demo', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('configures an instance for its fake Graph API, sends its sample and posts statuses to the webhook URL given', async () => {
    expect(demo.connector).toBe(whatsappConnector);
    // Stands in for the runtime's webhook route.
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        received.push(body);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => receiver.close(() => resolve())));
    const { port } = receiver.address() as { port: number };
    const running = await demo.start({
      instance: 'wa-test',
      webhookUrl: (webhook) => `http://127.0.0.1:${port}/v1/webhooks/wa-test${webhook ? `/${webhook}` : ''}`,
    });
    stops.push(() => running.stop());
    const wa = await instantiateConnector(demo.connector, { instance: 'wa-test', config: running.config });
    stops.push(() => wa.close());
    const [sample] = running.samples;
    const sent = (await wa.run(sample!.operation, sample!.input as never)) as { messageId: string };
    expect(sent.messageId).toMatch(/^wamid\./);
    await waitFor(() => received.some((b) => b.includes(sent.messageId) && b.includes('"read"')), 'a read status', {
      timeoutMs: 30_000,
    });
  });
});
