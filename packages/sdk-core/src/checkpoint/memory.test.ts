import { describe, expect, it } from 'vitest';
import { createCheckpointStore } from './factory.js';
import { MemoryCheckpointStore } from './memory.js';
import { checkpointStoreBehaviour } from '../test-support/checkpoint/store.contract.js';
import { decodeCursor, encodeCursor } from './types.js';

checkpointStoreBehaviour('memory', async () => new MemoryCheckpointStore());

describe('createCheckpointStore', () => {
  it('falls back to memory without a URL', () => {
    expect(createCheckpointStore()).toBeInstanceOf(MemoryCheckpointStore);
  });
});

describe('cursor encoding', () => {
  it('is tagged and lossless', () => {
    expect(encodeCursor(18446744073709551615n)).toBe('b:18446744073709551615');
    expect(decodeCursor('b:18446744073709551615')).toBe(18446744073709551615n);
    expect(decodeCursor('s:b:1')).toBe('b:1');
    expect(() => decodeCursor('42')).toThrow(TypeError);
  });
});
