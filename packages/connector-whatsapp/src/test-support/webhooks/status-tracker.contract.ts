import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextStatus, type StatusTracker, type TrackedStatus } from '../../webhooks/tracker.js';

/** Shared behaviour of every StatusTracker implementation. */
export function behaves(name: string, make: () => StatusTracker | Promise<StatusTracker>) {
  describe(name, () => {
    it('moves forward only, whatever the arrival order', async () => {
      const t = await make();
      const orders: Array<Array<['sent' | 'delivered' | 'read', number]>> = [
        [
          ['read', 3],
          ['sent', 1],
          ['delivered', 2],
        ],
        [
          ['delivered', 2],
          ['read', 3],
          ['sent', 1],
          ['delivered', 2],
        ],
        [
          ['sent', 1],
          ['read', 3],
        ],
      ];
      for (const [i, order] of orders.entries()) {
        for (const [status, timestamp] of order) await t.apply({ messageId: `m${i}`, status, timestamp });
        expect((await t.get(`m${i}`))?.status).toBe('read');
      }
      await t.close();
    });

    it('treats failed as terminal unless a later success arrives', async () => {
      const t = await make();
      await t.apply({ messageId: 'f', status: 'sent', timestamp: 1 });
      expect(
        (await t.apply({ messageId: 'f', status: 'failed', timestamp: 2, errors: [{ code: 131026 }] })).changed,
      ).toBe(true);
      expect((await t.apply({ messageId: 'f', status: 'sent', timestamp: 3 })).changed).toBe(false);
      expect(await t.get('f')).toMatchObject({ status: 'failed', errorCodes: [131026] });
      expect((await t.apply({ messageId: 'f', status: 'delivered', timestamp: 1 })).changed).toBe(false);
      expect((await t.apply({ messageId: 'f', status: 'delivered', timestamp: 5 })).current.status).toBe('delivered');
      await t.apply({ messageId: 'g', status: 'read', timestamp: 5 });
      expect((await t.apply({ messageId: 'g', status: 'failed', timestamp: 6 })).current.status).toBe('read');
      await t.close();
    });

    it('ends where nextStatus says for any order of updates, duplicates and unknown statuses included', async () => {
      const t = await make();
      const update = fc.record({
        status: fc.constantFrom('sent', 'delivered', 'read', 'failed', 'deleted'),
        timestamp: fc.integer({ min: 1, max: 5 }),
      });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(update, { minLength: 1, maxLength: 8 }), async (updates) => {
          const messageId = `prop-${run++}`;
          let model: TrackedStatus | undefined;
          for (const u of updates) {
            const applied = await t.apply({ messageId, ...u, errors: [{ code: 131026 }] });
            const take = nextStatus(model, u) === 'take';
            if (take) model = { messageId, status: u.status as TrackedStatus['status'], timestamp: u.timestamp };
            expect(applied.changed).toBe(take);
          }
          const stored = await t.get(messageId);
          expect(stored && { status: stored.status, timestamp: stored.timestamp }).toEqual(
            model && { status: model.status, timestamp: model.timestamp },
          );
        }),
        { numRuns: 40 },
      );
      await t.close();
    });
  });
}
