// Shared behaviour suite of every CheckpointStore adapter (imported by the adapter test files).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointFromJson, checkpointToJson } from '../../checkpoint/json.js';
import type { CheckpointStore, Cursor } from '../../checkpoint/types.js';

export function checkpointStoreBehaviour(name: string, open: () => Promise<CheckpointStore>): void {
  describe(`${name} checkpoint store`, () => {
    let store: CheckpointStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const cursors: Array<[string, Cursor]> = [
      ['uint64 max', 18446744073709551615n],
      ['2^53 + 1', 2n ** 53n + 1n],
      ['int64 min', -(2n ** 63n)],
      ['zero', 0n],
      ['string', 'opaque-token/Ω:with|separators'],
      ['empty string', ''],
      ['string of digits stays a string', '9007199254740993'],
    ];
    for (const [label, cursor] of cursors) {
      it(`round-trips ${label} without losing type or digits`, async () => {
        await store.set('src', 'entity', cursor);
        const back = await store.get('src', 'entity');
        expect(typeof back).toBe(typeof cursor);
        expect(back).toBe(cursor);
        const [listed] = await store.list('src');
        expect(listed?.cursor).toBe(cursor);
        // And through JSON, as an API would send it.
        const json = JSON.parse(JSON.stringify(checkpointToJson(listed!)));
        expect(checkpointFromJson(json).cursor).toBe(cursor);
      });
    }

    it('returns undefined for a missing checkpoint', async () => {
      expect(await store.get('nope', 'nothing')).toBeUndefined();
    });

    it('overwrites, keeps (source, entity) pairs apart, lists by source and deletes', async () => {
      const before = Date.now() - 1000;
      await store.set('a', 'x', 1n);
      await store.set('a', 'x', 2n);
      await store.set('a', 'y', 'tok');
      await store.set('a:x', '', 3n); // would collide with ('a', 'x:') under naive joining
      await store.set('b', 'x', 4n);
      expect(await store.get('a', 'x')).toBe(2n);
      const listedA = await store.list('a');
      expect(listedA.map((c) => [c.source, c.entity, c.cursor])).toEqual([
        ['a', 'x', 2n],
        ['a', 'y', 'tok'],
      ]);
      for (const c of listedA) expect(c.updatedAt.getTime()).toBeGreaterThanOrEqual(before);
      expect((await store.list()).map((c) => `${c.source}/${c.entity}`)).toEqual(['a/x', 'a/y', 'a:x/', 'b/x']);
      await store.delete('a', 'x');
      await store.delete('a', 'missing');
      expect(await store.get('a', 'x')).toBeUndefined();
      expect(await store.get('a', 'y')).toBe('tok');
      expect((await store.list()).length).toBe(3);
    });
  });
}
