import { generateKey } from '@relaykit/sdk-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, people, sqlDump, startPrivacyGateway, traces } from '../test-support/privacy/scenario.js';

type T = Awaited<ReturnType<typeof startPrivacyGateway>>;

describe('privacy with payloads encrypted at rest', () => {
  let t: T;
  beforeAll(async () => {
    t = await startPrivacyGateway({
      encryption: { key: generateKey() },
      privacy: { indexKey: generateKey(), defaultRegion: 'NP' },
    });
  });
  afterAll(() => t?.close());

  it('finds the subject through the blind index, exports decrypted payloads, and erases them', async () => {
    const { carol } = people;
    const id = await message(t, { to: carol.phone, email: carol.email, name: carol.name, text: 'Trip form' });
    const { rows } = await t.gateway.sql.query<{ input: string }>('SELECT input FROM relaykit_jobs WHERE id = $1', [
      id,
    ]);
    expect(rows[0]?.input.startsWith('enc:rk1.k1.')).toBe(true);
    // Neither the sealed payloads nor the index say who is in the database.
    const dump = await sqlDump(t);
    expect(traces(carol).filter((trace) => dump.includes(trace))).toEqual([]);
    const exported = await t.call('POST', '/v1/privacy/access', {
      key: t.dpo,
      body: { emails: [carol.email.toUpperCase()] },
    });
    const job = exported.body.items.find((i: { source: { id: string } }) => i.source.id === id);
    expect(job.input).toMatchObject({ name: carol.name, text: 'Trip form' });
    expect(job.result).toMatchObject({ sent: true, name: carol.name });
    const erased = await t.call('POST', '/v1/privacy/erasure', { key: t.dpo, body: { phones: [carol.phone] } });
    expect(erased.body).toMatchObject({ state: 'done', counts: { jobs: 1 } });
    const after = await t.call('GET', `/v1/jobs/${id}`, { key: t.keys.dev });
    expect(after.body.result).toEqual({ $erased: erased.body.id });
  });
});
