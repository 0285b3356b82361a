import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGraph, type FakeGraph } from './fake-graph.js';

let fake: FakeGraph;
afterEach(async () => {
  await fake.close();
});

const post = async (path: string, body: unknown, token = fake.accessToken) => {
  const res = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const template = (to: string) => ({
  messaging_product: 'whatsapp',
  to,
  type: 'template',
  template: { name: 'notice', language: { code: 'en_US' } },
});

describe('fake Graph API', () => {
  it('answers with the real success and error shapes', async () => {
    fake = await startFakeGraph();
    const ok = await post('/v21.0/PNID/messages', template('+9779841234567'));
    expect(ok).toMatchObject({
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: '+9779841234567', wa_id: '9779841234567' }],
        messages: [{ message_status: 'accepted' }],
      },
    });
    expect(ok.body.messages[0].id).toMatch(/^wamid\./);

    const bad = await post('/v21.0/PNID/messages', {
      messaging_product: 'whatsapp',
      to: '9779841234567',
      type: 'image',
      image: { id: '1', link: 'https://x.example/a.png' },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error).sort()).toEqual(['code', 'error_data', 'fbtrace_id', 'message', 'type']);
    expect(bad.body.error).toMatchObject({
      code: 100,
      type: 'OAuthException',
      error_data: { messaging_product: 'whatsapp' },
    });

    const auth = await post('/v21.0/PNID/messages', template('9779841234567'), 'wrong');
    expect(auth).toMatchObject({ status: 401, body: { error: { code: 190 } } });
    const outside = await post('/v21.0/PNID/messages', {
      messaging_product: 'whatsapp',
      to: '9779841234567',
      type: 'text',
      text: { body: 'hi' },
    });
    expect(outside.body.error.code).toBe(131047);
    await fake.inbound('9779841234567', 'नमस्ते');
    expect(
      (
        await post('/v21.0/PNID/messages', {
          messaging_product: 'whatsapp',
          to: '9779841234567',
          type: 'text',
          text: { body: 'hi' },
        })
      ).status,
    ).toBe(200);
    expect(
      (await post('/v21.0/PNID/messages', { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.X' }))
        .body,
    ).toEqual({ success: true });
    expect(fake.reads).toEqual(['wamid.X']);
  });

  it('limits throughput over a sliding second (130429) and the pair rate (131056)', async () => {
    fake = await startFakeGraph({ throughputPerSecond: 5, pairRate: { intervalMs: 60_000, burst: 2 } });
    const results = [];
    for (let i = 0; i < 7; i++)
      results.push(
        (await post('/v21.0/PNID/messages', template(`97798412345${String(i).padStart(2, '0')}`))).body.error?.code ??
          200,
      );
    expect(results).toEqual([200, 200, 200, 200, 200, 130429, 130429]);
    expect((await post('/v21.0/OTHER/messages', template('9779841234500'))).status).toBe(200); // per number
    await new Promise((r) => setTimeout(r, 1000));
    const pair = [];
    for (let i = 0; i < 3; i++)
      pair.push((await post('/v21.0/PNID2/messages', template('9779841000000'))).body.error?.code ?? 200);
    expect(pair).toEqual([200, 200, 131056]);
    expect(fake.errorCount(130429)).toBe(2);
  });

  it("counts inbound messages against the number's throughput, as Meta does", async () => {
    fake = await startFakeGraph({ throughputPerSecond: 4 });
    await fake.inbound('9779841000001', 'hi', 'PNID');
    await fake.inbound('9779841000002', 'hi', 'PNID');
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push((await post('/v21.0/PNID/messages', template(`97798420000${i}`))).body.error?.code ?? 200);
    expect(codes).toEqual([200, 200, 130429]);
    expect(fake.densestSecond('PNID')).toBe(4);
    expect(fake.densestSecond('OTHER')).toBe(0);
  });

  it('counts per calendar second when asked (the lenient reading of "per second")', async () => {
    fake = await startFakeGraph({ throughputPerSecond: 3, throughputWindow: 'calendar', pairRate: false });
    // Start just after a second's boundary so that the burst below stays inside one second.
    await new Promise((r) => setTimeout(r, 1000 - ((performance.timeOrigin + performance.now()) % 1000) + 5));
    const first = [];
    for (let i = 0; i < 4; i++)
      first.push((await post('/v21.0/PNID/messages', template(`97798430000${i}`))).body.error?.code ?? 200);
    expect(first).toEqual([200, 200, 200, 130429]);
    await new Promise((r) => setTimeout(r, 1000 - ((performance.timeOrigin + performance.now()) % 1000) + 5));
    // A new second: the count starts over although the last three were well within 1,000 ms.
    expect((await post('/v21.0/PNID/messages', template('9779843000009'))).status).toBe(200);
    expect(fake.errorCount(130429)).toBe(1);
  });

  it("serves the phone number node (GET /{phone-number-id}) with Meta's fields and errors", async () => {
    fake = await startFakeGraph({
      throughputPerSecond: 80,
      phoneNumbers: { PNID: { verified_name: 'Shree School', quality_rating: 'YELLOW' } },
    });
    const get = async (path: string, token = fake.accessToken) => {
      const res = await fetch(`${fake.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    // Without `fields`, Meta's default set.
    const plain = await get('/v21.0/PNID');
    expect(plain).toEqual({
      status: 200,
      body: {
        verified_name: 'Shree School',
        code_verification_status: 'VERIFIED',
        display_phone_number: '+9779800000000',
        quality_rating: 'YELLOW',
        platform_type: 'CLOUD_API',
        throughput: { level: 'STANDARD' },
        id: 'PNID',
      },
    });
    expect((await get('/v21.0/PNID?fields=status,messaging_limit_tier')).body).toEqual({
      status: 'CONNECTED',
      messaging_limit_tier: 'TIER_100K',
      id: 'PNID',
    });
    fake.setPhoneNumber('PNID', { throughput: { level: 'HIGH' }, status: 'FLAGGED' });
    expect((await get('/v21.0/PNID?fields=status,throughput')).body).toEqual({
      status: 'FLAGGED',
      throughput: { level: 'HIGH' },
      id: 'PNID',
    });
    const field = await get('/v21.0/PNID?fields=status,colour');
    expect(field).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 100,
          message: '(#100) Tried accessing nonexisting field (colour) on node type (WhatsAppBusinessPhoneNumber)',
        },
      },
    });
    // Only the configured numbers exist, for reads and for sends.
    expect(await get('/v21.0/OTHER')).toMatchObject({ status: 400, body: { error: { code: 100, error_subcode: 33 } } });
    expect((await post('/v21.0/OTHER/messages', template('9779841234567'))).body.error).toMatchObject({
      code: 100,
      error_subcode: 33,
    });
    expect((await get('/v21.0/PNID', 'wrong')).body.error.code).toBe(190);
  });
});
