import { describe, expect, it } from 'vitest';
import { message, param } from './builders.js';
import { AnyMediaObject, InteractiveObject, MediaObjectByKind, OutgoingMessage } from './schema.js';

describe('message schemas', () => {
  it('media: exactly one of id or link, for every kind', () => {
    for (const kind of Object.keys(MediaObjectByKind) as Array<keyof typeof MediaObjectByKind>) {
      expect(MediaObjectByKind[kind].safeParse({ id: 'm1' }).success).toBe(true);
      expect(MediaObjectByKind[kind].safeParse({ link: 'https://school.example/x' }).success).toBe(true);
      expect(MediaObjectByKind[kind].safeParse({ id: 'm1', link: 'https://school.example/x' }).success).toBe(false);
      expect(MediaObjectByKind[kind].safeParse({}).success).toBe(false);
    }
    expect(AnyMediaObject.safeParse({ id: 'm1', link: 'https://school.example/x' }).error?.issues[0]?.message).toBe(
      'give exactly one of id (uploaded media) or link, never both',
    );
    expect(AnyMediaObject.safeParse({ link: 'javascript:alert(1)' }).success).toBe(false);
  });

  it('builders produce messages the schema accepts; limits are checked before sending', () => {
    const tpl = message.template('9841234567', 'fee_reminder', 'ne', {
      body: { student_name: 'सीता', amount: param.currency(1500.5, 'NPR', 'रु 1,500.50') },
      replyTo: 'wamid.X',
    });
    const parsed = OutgoingMessage.parse(tpl);
    expect(parsed).toMatchObject({
      messaging_product: 'whatsapp',
      context: { message_id: 'wamid.X' },
      template: {
        components: [
          {
            type: 'body',
            parameters: [
              { parameter_name: 'student_name' },
              { type: 'currency', currency: { amount_1000: 1_500_500 }, parameter_name: 'amount' },
            ],
          },
        ],
      },
    });
    expect(
      OutgoingMessage.safeParse(
        message.media('9841234567', 'document', { link: 'https://school.example/r.pdf', filename: 'r.pdf' }),
      ).success,
    ).toBe(true);
    const four = [1, 2, 3, 4].map((i) => ({ id: `b${i}`, title: `B${i}` }));
    expect(OutgoingMessage.safeParse(message.buttons('9841234567', 'Pick', four)).success).toBe(false);
    const rows = Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }));
    expect(
      InteractiveObject.safeParse(
        (message.list('9841234567', 'Pick', 'Open', [{ rows }]) as { interactive: unknown }).interactive,
      ).success,
    ).toBe(false);
    expect(OutgoingMessage.safeParse(message.text('9841234567', 'x'.repeat(4097))).success).toBe(false);
  });
});
