import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../checkpoint/memory.js';
import { runIncrementalSync } from './engine.js';
import { collectedAfterGc } from '@relaykit/testkit';

interface Rec {
  id: string;
  version: bigint;
  deleted: boolean;
  payload: string;
}

describe('runIncrementalSync memory', () => {
  it('keeps no reference to a page once it is written, while it waits for the next page', async () => {
    let firstRecord: WeakRef<object> | undefined;
    let releaseSecond: (() => void) | undefined;
    let secondAsked: (() => void) | undefined;
    const asked = new Promise<void>((resolve) => (secondAsked = resolve));
    let written: (() => void) | undefined;
    const firstWritten = new Promise<void>((resolve) => (written = resolve));
    const run = runIncrementalSync<Rec>({
      source: 's',
      entity: 'e',
      pageSize: 2,
      checkpoints: new MemoryCheckpointStore(),
      fetchPage: async ({ after }) => {
        if (!after) {
          const records = [1, 2].map((i) => ({
            id: `r${i}`,
            version: BigInt(i),
            deleted: false,
            payload: 'x'.repeat(64),
          }));
          firstRecord = new WeakRef(records[0]!);
          return { records };
        }
        // The second page comes only when the test says so: meanwhile the engine has nothing else to do.
        secondAsked!();
        await new Promise<void>((resolve) => (releaseSecond = resolve));
        return { records: [], hasMore: false };
      },
      sink: {
        write: async () => {
          written!();
        },
      },
    });
    await firstWritten;
    await asked;
    // The first page was written and checkpointed; the engine now awaits the second. A page it still referenced (a
    // local of a suspended loop, say) would stay in memory for as long as that fetch takes: a page more per stream.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await collectedAfterGc(firstRecord!)).toBe(true);
    releaseSecond!();
    expect(await run).toMatchObject({ records: 2, upserts: 2 });
  });
});
