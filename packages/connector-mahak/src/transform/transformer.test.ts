import { describe, expect, it } from 'vitest';
import { ENTITY_NAMES } from '../entities/catalogue.js';
import { parseMahakRecord } from '../entities/schemas.js';
import { parseLosslessJson, stringifyLosslessJson } from '../json/lossless.js';
import { generateRow } from '../testing/table.js';
import { columnsOf, toLocalRow, transformRecord } from './transformer.js';

describe('data transformer', () => {
  it('agrees with the zod schemas on every entity', () => {
    for (const entity of ENTITY_NAMES) {
      for (const id of [1, 7, 123456]) {
        const raw = parseLosslessJson(stringifyLosslessJson(generateRow(entity, id, 2n ** 62n + BigInt(id)))) as Record<
          string,
          unknown
        >;
        const fast = transformRecord(entity, raw, { utcOffsetMinutes: 210 });
        const viaZod = toLocalRow(entity, parseMahakRecord(entity, raw, { utcOffsetMinutes: 210 }));
        expect(fast).toEqual(viaZod);
        expect(Object.keys(fast).sort()).toEqual([...columnsOf(entity).map((c) => c.column), 'raw'].sort());
      }
    }
  });

  it('maps names, types, dates and money', () => {
    const raw = parseLosslessJson(
      '{"ProductDetailId":9007199254740993,"ProductDetailClientId":0,"ProductDetailCode":55,"RowVersion":9223372036854775807,' +
        '"ProductId":12,"Price1":12500000000000.125,"Price2":10,"Count1":1.5000,"Barcode":"626","UpdateDate":"2025-03-01T12:00:00","CreateDate":1700000000000,"Deleted":false}',
    );
    const row = transformRecord('ProductDetail', raw, { utcOffsetMinutes: 210 });
    expect(row).toMatchObject({
      mahak_id: 9007199254740993n,
      row_version: 2n ** 63n - 1n,
      code: '55',
      product_id: 12n,
      price1: '12500000000000.125',
      price2: '10',
      count1: '1.5',
      barcode: '626',
      price3: null,
      updated_at: new Date('2025-03-01T08:30:00Z'),
      created_at: new Date(1700000000000),
    });
  });

  it('names every bad field', () => {
    expect(() => transformRecord('Person', { PersonId: 1, RowVersion: 5, Credit: 'lots', PersonType: 1.5 })).toThrow(
      /PersonType: .*; Credit: /,
    );
    expect(() => transformRecord('Person', { RowVersion: 5 })).toThrow(/PersonId: required/);
    expect(() => parseMahakRecord('Person', { PersonId: 1, RowVersion: 5, Credit: 'lots' })).toThrow();
  });

  it('reads "" and whitespace in optional dates, numbers and ids as unset; required ones still fail', () => {
    const raw = {
      OrderId: 7,
      RowVersion: 9,
      OrderClientId: '',
      OrderCode: '',
      PersonId: ' ',
      VisitorId: '',
      OrderType: '',
      OrderDate: '2025-03-01T12:00:00',
      DeliveryDate: '',
      Discount: '\t',
      SendCost: '',
      SettlementType: ' ',
      Description: '',
      Deleted: '',
      CreateDate: '',
      UpdateDate: '   ',
      CreateSyncId: '',
      UpdateSyncId: '',
    };
    const row = transformRecord('Order', raw);
    expect(row).toMatchObject({
      mahak_id: 7n,
      client_id: null,
      code: '',
      person_id: null,
      visitor_id: null,
      order_type: null,
      order_date: new Date('2025-03-01T12:00:00Z'),
      delivery_date: null,
      discount: null,
      send_cost: null,
      settlement_type: null,
      description: '',
      created_at: null,
      updated_at: null,
    });
    expect(toLocalRow('Order', parseMahakRecord('Order', raw))).toEqual(row);
    expect(() => transformRecord('Order', { ...raw, OrderId: '' })).toThrow(/OrderId: "" is not an int64/);
    expect(() => transformRecord('Order', { ...raw, RowVersion: ' ' })).toThrow(/RowVersion/);
    expect(() => parseMahakRecord('Order', { ...raw, RowVersion: '' })).toThrow();
    // Not blank, not a date: still a bad value.
    expect(() => transformRecord('Order', { ...raw, DeliveryDate: 'x' })).toThrow(/DeliveryDate/);
  });
});
