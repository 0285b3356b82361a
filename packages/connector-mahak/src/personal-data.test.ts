import { personalDataOf } from '@relaykit/sdk-core';
import { describe, expect, it } from 'vitest';
import { mahakConnector } from './connector.js';

const ops = mahakConnector.operations;

describe('Mahak personal-data marks', () => {
  it('marks the person of orders and receipts, and what it says about them', () => {
    expect(
      personalDataOf(ops.pushOrders.input, {
        orders: [{ ...ops.pushOrders.example!.orders[0]!, description: 'deliver to Sita' }],
      }).map((p) => [p.kind, p.path.join('.'), p.value]),
    ).toEqual([
      ['id', 'orders.0.personId', '1'],
      ['freeText', 'orders.0.description', 'deliver to Sita'],
    ]);
    expect(personalDataOf(ops.pushReceipts.input, ops.pushReceipts.example).map((p) => p.kind)).toEqual(['id']);
  });

  it('marks Person fields of raw records', () => {
    const found = personalDataOf(ops.getData.output, {
      records: [
        { PersonId: 7, FirstName: 'Ram', LastName: 'Thapa', Mobile: '09121234567', Email: 'r@x.ir', Credit: '0' },
      ],
      lastRowVersion: '1',
    });
    expect(found.map((p) => p.kind)).toEqual(['id', 'name', 'name', 'phone', 'email']);
  });
});
