import { describe, expect, it } from 'vitest';
import { PollerGate } from './poller-gate.js';

/** A poll that runs until `finish()` is called. */
function pending() {
  let finish!: () => void;
  const done = new Promise<void>((r) => {
    finish = r;
  });
  return { finish, poll: () => done };
}

describe('PollerGate', () => {
  it('lets `limit` callers poll at once and the rest in, in order, as each leaves', async () => {
    const gate = new PollerGate(2);
    const order: number[] = [];
    const polls = [pending(), pending(), pending(), pending()];
    const runs = polls.map((p, i) =>
      gate.run(async () => {
        order.push(i);
        await p.poll();
        return i;
      }),
    );
    await Promise.resolve();
    expect(order).toEqual([0, 1]);
    expect([gate.polling, gate.waiting]).toEqual([2, 2]);
    polls[1]!.finish();
    expect(await runs[1]).toBe(1);
    await Promise.resolve();
    expect(order).toEqual([0, 1, 2]);
    polls[0]!.finish();
    polls[2]!.finish();
    await Promise.all([runs[0], runs[2]]);
    await Promise.resolve();
    expect(order).toEqual([0, 1, 2, 3]);
    polls[3]!.finish();
    await runs[3];
    expect([gate.polling, gate.waiting]).toEqual([0, 0]);
  });

  it('lets the next caller in when a poll fails, and passes the failure on', async () => {
    const gate = new PollerGate(1);
    const failing = gate.run(async () => {
      throw new Error('redis down');
    });
    const next = gate.run(async () => 'ok');
    await expect(failing).rejects.toThrow('redis down');
    expect(await next).toBe('ok');
    expect([gate.polling, gate.waiting]).toEqual([0, 0]);
  });
});
