import { waitFor } from '@relaykit/testkit';
import { describe, expect, it } from 'vitest';
import { MemoryJobQueue } from './memory.js';

describe('in-memory queue', () => {
  it('delivers with bounded concurrency, skips duplicates and delays', async () => {
    const queue = new MemoryJobQueue();
    let active = 0;
    let peak = 0;
    const seen: string[] = [];
    queue.process('q', 2, async (m) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 20));
      seen.push(`${m.jobId}.${m.attempt}`);
      active--;
    });
    await queue.enqueue('q', [
      { jobId: 'a', attempt: 0 },
      { jobId: 'b', attempt: 0 },
      { jobId: 'a', attempt: 0 },
      { jobId: 'c', attempt: 0 },
    ]);
    await queue.enqueue('q', [{ jobId: 'd', attempt: 1 }], { delayMs: 60 });
    expect(await queue.counts('q')).toMatchObject({ delayed: 1 });
    await waitFor(() => seen.length >= 4, 'every job to be processed');
    expect(seen.sort()).toEqual(['a.0', 'b.0', 'c.0', 'd.1']);
    expect(peak).toBe(2);
    await queue.close(100);
    expect(await queue.ping()).toBe(false);
  });
});
