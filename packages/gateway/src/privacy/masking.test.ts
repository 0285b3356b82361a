import { randomBytes } from 'node:crypto';
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
  const { carol } = people;
  beforeAll(async () => {
    t = await startPrivacyGateway({
      instances: {
        school: { connector: 'school', environment: 'development', retry: { attempts: 2, delay: '20ms' } },
      },
      privacy: { indexKey: randomBytes(32).toString('base64'), defaultRegion: 'NP', storeMasked: true },
    });
  }, 60_000);
  afterAll(() => t?.close());

  const stored = async (id: string) =>
    (
      await t.gateway.sql.query<{ input: string; result: string | null; error: unknown }>(
        'SELECT input, result, error FROM relaykit_jobs WHERE id = $1',
        [id],
      )
    ).rows[0]!;

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
    // storeMasked covers what the gateway stores; what a connector keeps itself (the school connector's repliers) is
    // the connector's, reached by access, erasure and retention (connector-data.test.ts).
    const dump = (await sqlDump(t))
      .split('\n')
      .filter((line) => !line.startsWith('school_repliers\t'))
      .join('\n');
    expect(traces(carol).filter((trace) => dump.includes(trace))).toEqual([]);
    expect(dump).toContain('[phone]');
  });
});
