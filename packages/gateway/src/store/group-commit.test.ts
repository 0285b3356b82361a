import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  it('writes concurrent callers together and gives each its own results', async () => {
    const statements: number[][] = [];
    const group = new GroupCommit(
      async (items: number[]) => {
        statements.push([...items]);
        await new Promise((r) => setTimeout(r, 5));
        return items.map((n) => n * 10);
      },
      { maxInFlight: 1 },
    );
    const results = await Promise.all([group.run([1, 2]), group.one(3), group.run([4]), group.run([])]);
    expect(results).toEqual([[10, 20], 30, [40], []]);
    // Same turn of the event loop: one statement.
    expect(statements).toEqual([[1, 2, 3, 4]]);
  });

  it('groups what arrives while a statement is in flight, never splitting a caller', async () => {
    const statements: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const group = new GroupCommit(
      async (items: number[]) => {
        statements.push([...items]);
        if (statements.length === 1) await gate;
        return items;
      },
      { maxInFlight: 1, maxItems: 3 },
    );
    const first = group.one(0);
    await new Promise((r) => setImmediate(r));
    const later = [group.run([1, 2]), group.run([3, 4]), group.one(5)];
    await new Promise((r) => setImmediate(r));
    expect(statements).toEqual([[0]]);
    release();
    await Promise.all([first, ...later]);
    expect(statements).toEqual([[0], [1, 2], [3, 4, 5]]);
  });

  it('a failing group is retried caller by caller, so one bad caller fails alone', async () => {
    const group = new GroupCommit(async (items: string[]) => {
      if (items.includes('bad')) throw new Error('constraint violated');
      return items.map((s) => s.toUpperCase());
    });
    const [good, bad, other] = await Promise.allSettled([group.run(['a']), group.run(['bad', 'b']), group.one('c')]);
    expect(good).toEqual({ status: 'fulfilled', value: ['A'] });
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'constraint violated' } });
    expect(other).toEqual({ status: 'fulfilled', value: 'C' });
  });

  it('a caller larger than maxItems still goes out whole', async () => {
    const sizes: number[] = [];
    const group = new GroupCommit(
      async (items: number[]) => {
        sizes.push(items.length);
        return items;
      },
      { maxItems: 2 },
    );
    await Promise.all([group.run([1, 2, 3]), group.one(4)]);
    expect(sizes.sort()).toEqual([1, 3]);
  });
});
