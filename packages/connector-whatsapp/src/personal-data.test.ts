import { personalDataOf } from '@relaykit/sdk-core';
import { describe, expect, it } from 'vitest';
import { whatsappConnector } from './connector.js';
import { parseWebhookPayload } from './webhooks/events.js';

const ops = whatsappConnector.operations;
const kinds = (found: ReturnType<typeof personalDataOf>) => found.map((p) => [p.kind, p.path.join('.')]);

describe('WhatsApp personal-data marks', () => {
  it('marks recipients and message text of every send', () => {
    expect(kinds(personalDataOf(ops.sendText.input, ops.sendText.example))).toEqual([
      ['phone', 'to'],
      ['freeText', 'body'],
    ]);
    const template = personalDataOf(ops.sendTemplate.input, ops.sendTemplate.example);
    expect(template.find((p) => p.kind === 'phone')?.value).toBe('9841234567');
    expect(template.some((p) => p.kind === 'freeText' && p.value === 'सीता')).toBe(true);
    expect(
      personalDataOf(ops.sendInteractive.input, ops.sendInteractive.example).some(
        (p) => p.value === 'Will Sita attend the trip?',
      ),
    ).toBe(true);
    const broadcast = personalDataOf(ops.broadcast.input, ops.broadcast.example);
    expect(broadcast.filter((p) => p.kind === 'phone').map((p) => p.path.join('.'))).toEqual(['recipients.0.to']);
    expect(broadcast.some((p) => p.kind === 'freeText' && p.value === 'सीता')).toBe(true);
    expect(
      kinds(
        personalDataOf(ops.sendText.output, {
          messageId: 'wamid.1',
          to: '+977',
          waId: '977',
          attempts: 1,
          replayed: false,
        }),
      ),
    ).toEqual([
      ['phone', 'to'],
      ['phone', 'waId'],
    ]);
  });

  it('marks the sender, profile name and text of inbound webhook events', () => {
    const [event] = parseWebhookPayload({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550000000', phone_number_id: 'PNID' },
                contacts: [{ profile: { name: 'Gita Sharma' }, wa_id: '9779841234567' }],
                messages: [
                  {
                    from: '9779841234567',
                    id: 'wamid.X',
                    timestamp: '1700000000',
                    type: 'text',
                    text: { body: 'Sita is sick today' },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    const found = personalDataOf(whatsappConnector.webhooks!.messages!.event!, event);
    const values = found.map((p) => `${p.kind}:${p.value}`);
    expect(values).toContain('name:Gita Sharma');
    expect(values).toContain('phone:9779841234567');
    expect(values).toContain('freeText:Sita is sick today');
    expect(found.filter((p) => p.kind === 'phone').map((p) => p.path.join('.'))).toEqual([
      'contact.waId',
      'message.from',
    ]);
  });
});
