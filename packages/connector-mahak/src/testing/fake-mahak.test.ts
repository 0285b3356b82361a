import { describe, expect, it } from 'vitest';
import { ENTITY_NAMES } from '../entities/catalogue.js';
import { parseLosslessJson, stringifyLosslessJson } from '../json/lossless.js';
import { generateRow, generateRowJson } from './table.js';
import { startFakeMahak } from './fake-mahak.js';

const post = async (url: string, body: string, token?: string) => {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
  });
  return { status: res.status, text: await res.text() };
};

describe('fake Mahak', () => {
  it('writes generated rows as direct JSON text identical to the generic writer', () => {
    for (const entity of ENTITY_NAMES) {
      for (const id of [1, 99, 86_399, 86_400, 123_457, 1_000_001]) {
        const rv = 2n ** 53n + BigInt(id);
        expect(generateRowJson(entity, id, rv)).toBe(stringifyLosslessJson(generateRow(entity, id, rv)));
      }
    }
  });

  it('answers the v3 envelope, accepts a raw token, emits RowVersion with every digit, pages safely and adversarially', async () => {
    for (const paging of ['safe', 'adversarial'] as const) {
      const fake = await startFakeMahak({
        seed: { Person: 10 },
        seedRowsPerVersion: 4,
        startRowVersion: 2n ** 53n + 1000n,
        paging,
        pageSize: 3,
      });
      try {
        const login = parseLosslessJson(
          (await post(`${fake.url}LoginV2`, '{"UserName":"demo","Password":"demo-password","DatabaseId":1}')).text,
        ) as { Data: { UserToken: string } };
        const page = await post(`${fake.url}GetAllData`, '{"fromPersonVersion":0}', login.Data.UserToken);
        expect(page.status).toBe(200);
        expect(page.text).toContain('"RowVersion":9007199254741993,');
        const rows = (
          parseLosslessJson(page.text) as {
            Result: boolean;
            Data: { Objects: { People: Array<{ PersonId: number }> } };
          }
        ).Data.Objects.People;
        expect(rows.map((r) => r.PersonId)).toEqual(paging === 'safe' ? [1, 2, 3, 4] : [1, 2, 3]);
        const denied = parseLosslessJson(
          (await post(`${fake.url}GetAllData`, '{"fromPersonVersion":0}', 'Bearer nope')).text,
        );
        expect(denied).toEqual({ Result: false, Code: 401, Message: 'Token is invalid or expired', Data: null });
        expect((await post(`${fake.url}Nope`, '{}')).status).toBe(404);
      } finally {
        await fake.close();
      }
    }
  });

  it('bumps RowVersion on update and soft delete; deleted rows stay visible', async () => {
    const fake = await startFakeMahak({ seed: { Bank: 2 } });
    try {
      const before = fake.rowVersion;
      fake.update('Bank', 1, { Name: 'B' });
      fake.remove('Bank', 2);
      expect(fake.get('Bank', 1)!.RowVersion).toBe(before + 1n);
      expect(fake.get('Bank', 2)).toMatchObject({ Deleted: true, RowVersion: before + 2n });
      expect(fake.liveRows('Bank')).toHaveLength(1);
      expect(fake.allRows('Bank')).toHaveLength(2);
    } finally {
      await fake.close();
    }
  });
});
