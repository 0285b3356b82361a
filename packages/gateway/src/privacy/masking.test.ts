import { randomBytes } from 'node:crypto';
import { startFakeGraph, type FakeGraph } from '@relaykit/connector-whatsapp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { waitFinal } from '../test-support/harness.js';
import { message, people, reply, sqlDump, startPrivacyGateway, traces } from '../test-support/privacy/scenario.js';

type T = Awaited<ReturnType<typeof startPrivacyGateway>>;

describe('privacy.storeMasked', () => {
  it('is on by default only where RELAYKIT_ENV says development, staging or test', () => {
    const masked = (env: Record<string, string>, privacy: Record<string, unknown> = {}) =>
      parseConfig({ environments: ['production'], privacy }, env).privacy.storeMasked;
    expect(masked({})).toBe(false);
    expect(masked({ RELAYKIT_ENV: 'production' })).toBe(false);
    expect(masked({ NODE_ENV: 'test' })).toBe(false);
    for (const env of ['development', 'staging', 'test', ' Staging ']) expect(masked({ RELAYKIT_ENV: env })).toBe(true);
    expect(masked({ RELAYKIT_ENV: 'staging' }, { storeMasked: false })).toBe(false);
    expect(masked({}, { storeMasked: true })).toBe(true);
  });
});

describe('storing masked payloads outside production (PGlite)', () => {
  let t: T;
  let graph: FakeGraph;
  const { carol } = people;
  beforeAll(async () => {
    graph = await startFakeGraph({ accessToken: 'masked-test-token' });
    graph.openWindow(`977${carol.phone}`);
    t = await startPrivacyGateway({
      instances: {
        school: { connector: 'school', environment: 'development', retry: { attempts: 2, delay: '20ms' } },
        wa: {
          connector: 'whatsapp',
          environment: 'development',
          config: {
            phoneNumberId: '100000000000001',
            accessToken: graph.accessToken,
            appSecret: 'masked-test-secret',
            verifyToken: 'verify',
            baseUrl: graph.url,
            defaultRegion: 'NP',
          },
        },
      },
      privacy: { indexKey: randomBytes(32).toString('base64'), defaultRegion: 'NP', storeMasked: true },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await graph?.close();
  });

  const stored = async (id: string) =>
    (
      await t.gateway.sql.query<{ input: string; result: string | null; error: unknown }>(
        'SELECT input, result, error FROM relaykit_jobs WHERE id = $1',
        [id],
      )
    ).rows[0]!;

  it('runs the job with the real values and stores only their masks', async () => {
    const res = await t.call('POST', '/v1/wa/sendText?wait=15s', {
      key: t.keys.dev,
      body: { to: `+977${carol.phone}`, body: `${carol.name}, the trip is on Friday` },
      headers: { 'idempotency-key': 'masked-1' },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('succeeded');
    // The upstream got the clear recipient and text: the worker ran with them.
    expect(graph.messages.map((m) => m.to)).toEqual([`977${carol.phone}`]);
    expect(JSON.stringify(graph.messages)).toContain('the trip is on Friday');
    const row = await stored(res.body.id);
    expect(JSON.parse(row.input)).toEqual({ to: '[phone]', body: '[text]' });
    // What is read back is what is stored: the answer, the lookup and the stored Idempotency-Key response.
    expect(JSON.stringify(res.body)).not.toContain(carol.phone);
    const lookup = await t.call('GET', `/v1/jobs/${res.body.id}`, { key: t.keys.dev });
    expect(lookup.body.status).toBe('succeeded');
    expect(JSON.stringify(lookup.body)).not.toContain(carol.phone);
  });

  it('masks error texts of failed jobs and their attempts, webhook events, and leaves no trace in the dump', async () => {
    const failed = await message(t, { to: carol.phone, name: carol.name, email: carol.email, fail: true });
    const row = await stored(failed);
    expect(row.error).toMatchObject({ message: 'could not reach [name] at [phone]' });
    const attempts = await t.call('GET', `/v1/jobs/${failed}`, { key: t.keys.dev });
    expect(attempts.body.attempts).toHaveLength(2);
    for (const a of attempts.body.attempts) expect(a.error.message).toBe('could not reach [name] at [phone]');
    const ok = await message(t, { to: carol.phone, name: carol.name, guardianId: carol.id, text: 'Report card' });
    expect(JSON.parse((await stored(ok)).result!)).toEqual({ sent: true, to: '[phone]', name: '[name]' });
    const event = await reply(t, 'evt-masked', `977${carol.phone}`, 'Thanks, Carol here', carol.name);
    expect((await waitFinal(t, event)).status).toBe('succeeded');
    expect(JSON.parse((await stored(event)).input)).toMatchObject({
      from: '[phone]',
      text: '[text]',
      profileName: '[name]',
    });
    // A job cancelled before it ran never ends in a worker: it is masked when cancelled.
    const later = await t.call('POST', '/v1/school/message?delay=1h', {
      key: t.keys.dev,
      body: { to: carol.phone, name: carol.name },
    });
    expect(later.status).toBe(202);
    expect((await stored(later.body.id)).input).toContain(carol.phone);
    const operator = await t.gateway.keys.create({ name: 'op', environment: 'development', scopes: ['admin:operate'] });
    const cancel = await t.call('POST', `/v1/admin/jobs/${later.body.id}/cancel`, { key: operator.secret });
    expect(cancel.status).toBe(200);
    expect(JSON.parse((await stored(later.body.id)).input)).toEqual({ to: '[phone]', name: '[name]' });
    const dump = await sqlDump(t);
    expect(traces(carol).filter((trace) => dump.includes(trace))).toEqual([]);
    expect(dump).toContain('[phone]');
  });
});
