import { describe, expect, it } from 'vitest';
import { whatsappConnector } from './connector.js';

const ops = whatsappConnector.operations;
const issues = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
  (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('operation inputs refuse what could never be sent (before a job is queued)', () => {
  it('a recipient no region can read is refused by every single-send operation', () => {
    const bad = ['12', 'bad', '+977 12', ''];
    for (const to of bad) {
      expect(ops.sendText.input.safeParse({ to, body: 'hi' }).success).toBe(false);
      expect(ops.sendTemplate.input.safeParse({ to, name: 'notice', language: 'en_US' }).success).toBe(false);
      expect(ops.sendMedia.input.safeParse({ to, kind: 'image', media: { id: 'm1' } }).success).toBe(false);
      expect(
        ops.sendInteractive.input.safeParse({
          to,
          interactive: {
            type: 'button',
            body: { text: 'x' },
            action: { buttons: [{ type: 'reply', reply: { id: 'y', title: 'Yes' } }] },
          },
        }).success,
      ).toBe(false);
    }
    expect(issues(ops.sendText.input.safeParse({ to: '12', body: 'hi' }))).toEqual([
      expect.stringMatching(/^to: not a phone number in any region/),
    ]);
  });

  it('local numbers stay accepted: the configured region normalises them at run time', () => {
    for (const to of ['9841234567', '+9779841234567', '9779841234567', '+1 650 253 0000', '(650) 253-0000']) {
      const r = ops.sendText.input.safeParse({ to, body: 'hi' });
      expect(r.success).toBe(true);
      expect(r.data?.to).toBe(to);
    }
  });

  it('media needs exactly one of id or link, with the rules of its kind', () => {
    const parse = (kind: string, media: object) => ops.sendMedia.input.safeParse({ to: '+9779841234567', kind, media });
    expect(issues(parse('image', { id: 'm1', link: 'https://school.example/a.jpg' }))).toEqual([
      'media: give exactly one of id (uploaded media) or link, never both',
    ]);
    expect(parse('document', {}).success).toBe(false);
    expect(issues(parse('gif', { id: 'm1' }))).toEqual([expect.stringMatching(/^kind: /)]);
    expect(parse('image', { link: 'ftp://school.example/a.jpg' }).success).toBe(false);
    expect(parse('image', { caption: 'x'.repeat(1025), id: 'm1' }).success).toBe(false);
    expect(parse('document', { link: 'https://school.example/report.pdf', filename: 'report.pdf' }).success).toBe(true);
    expect(parse('audio', { id: 'm2' }).success).toBe(true);
    expect(parse('image', { id: 'm1', caption: 'homework' }).success).toBe(true);
  });

  it('a broadcast still takes lists with unreadable numbers and reports them per recipient', () => {
    expect(
      ops.broadcast.input.safeParse({
        broadcastId: 'b',
        template: { name: 'n', language: 'en_US' },
        recipients: [{ to: '9841000001' }, { to: 'bad' }],
      }).success,
    ).toBe(true);
  });
});

describe('configuration', () => {
  const base = { phoneNumberId: 'P', accessToken: 't', appSecret: 's', verifyToken: 'v' };
  it('takes the adaptive pacing switch: off, or a ceiling and hold time', () => {
    const parse = (adaptiveJitter: unknown) => whatsappConnector.config.safeParse({ ...base, adaptiveJitter }).success;
    expect(parse(undefined)).toBe(true);
    expect(parse(false)).toBe(true);
    expect(parse({ maxJitterMs: 60, holdMs: 2000 })).toBe(true);
    expect(parse(true)).toBe(false);
    expect(parse({ maxJitterMs: -1 })).toBe(false);
  });
});
