import { describe, expect, it } from 'vitest';
import { StoreOrder } from './push.js';

const order = (personId: unknown) => ({
  storeOrderId: 'WEB-1',
  personId,
  orderDate: '2025-03-01T10:00:00Z',
  details: [{ productDetailId: '1', price: '1250000', count1: '2' }],
});

describe('StoreOrder input', () => {
  it('keeps int64 ids exact, above 2^53 too', () => {
    const parsed = StoreOrder.parse(order('9223372036854775807'));
    expect(parsed.personId).toBe(9223372036854775807n);
  });

  it('reports an id outside int64 as a validation issue at its path, not as a thrown RangeError', () => {
    const result = StoreOrder.safeParse(order('99999999999999999999'));
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['personId'], message: expect.stringContaining('int64') }),
    ]);
    const unsafe = StoreOrder.safeParse(order(2 ** 53 + 2));
    expect(unsafe.success).toBe(false);
  });
});
