import { z } from 'zod';
import type { MahakClient } from '../client/client.js';
import type { SaveRowResult } from '../client/types.js';
import { toDate, toDecimal, toInt64 } from '../entities/scalars.js';
import { JsonNumber } from '../json/lossless.js';
import { mahakClientId } from './client-id.js';
import { saveVerified, type RowToSave } from './verified-save.js';

/** Digit strings (leading zeros allowed) whose value is at most `bound`: the int64 range as a pattern JSON Schema can carry. */
function digitsAtMost(bound: string): string {
  const shorter = `\\d{1,${bound.length - 1}}`;
  const sameLength = [...bound].map((d, i) => {
    const rest = bound.length - i - 1;
    if (i === bound.length - 1) return `${bound.slice(0, i)}[0-${d}]`;
    if (d === '0') return '';
    return `${bound.slice(0, i)}[0-${Number(d) - 1}]\\d{${rest}}`;
  });
  return `^0*(?:${[shorter, ...sameLength.filter(Boolean)].join('|')})$`;
}
/** A non-negative int64 as decimal text. */
const INT64_TEXT = new RegExp(digitsAtMost((2n ** 63n - 1n).toString()));
/** Plain decimal text (no exponent, at most 40 integer digits): what a price, count or percentage may be. */
const DECIMAL_TEXT = /^[+-]?(?:\d{1,40}(?:\.\d+)?|\.\d+)$/;

// Every member says in the schema what it accepts (the OpenAPI document is generated from it), so no value the
// schema allows fails in the transform; out-of-range values stay a validation issue, never a RangeError.
const id64 = z
  .union([z.bigint(), z.number().int(), z.string().regex(INT64_TEXT, 'not an int64')])
  .transform((v) => toInt64(v));
const money = z
  .union([
    z.string().regex(DECIMAL_TEXT, 'not a decimal (plain digits, e.g. "1250.50")'),
    z.number().gt(-1e40).lt(1e40),
  ])
  .transform((v) => toDecimal(v));
const when = z
  .union([
    z.date(),
    z.iso.datetime({ offset: true, local: true }),
    z.iso.date(),
    // Epoch milliseconds, as a number or digits, and the legacy .NET form.
    z.string().regex(/^\d{1,15}$/),
    z.string().regex(/^\/Date\(-?\d{1,15}(?:[+-]\d{4})?\)\/$/),
    z.number().min(-8.64e15).max(8.64e15),
  ])
  .transform((v, ctx) => {
    try {
      return v instanceof Date ? v : toDate(v);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/** An order line of the store. Money and counts as decimal strings (numbers are accepted when exact). */
export const StoreOrderLine = z.object({
  /** The line's id in the store (default: its position), part of its ClientId. */
  lineId: z.string().min(1).optional(),
  /** Mahak's ProductDetailId of the item. */
  productDetailId: id64,
  price: money,
  count1: money,
  count2: money.optional(),
  discount: money.optional(),
  taxPercent: money.optional(),
  chargePercent: money.optional(),
  storeId: id64.optional(),
  description: z.string().optional(),
});

/** An order of the store to push to Mahak with its lines. */
export const StoreOrder = z.object({
  /** The store's own id: the order's ClientId derives from it, so pushing it twice creates one Mahak order. */
  storeOrderId: z.string().min(1),
  /** Mahak's PersonId of the customer. */
  personId: id64.meta({ pii: 'id' }),
  visitorId: id64.optional(),
  /** Mahak's order type (default 201, a sales invoice in our model; check your database's types). */
  orderType: z.number().int().default(201),
  orderDate: when,
  deliveryDate: when.optional(),
  discount: money.optional(),
  sendCost: money.optional(),
  settlementType: z.number().int().optional(),
  description: z.string().optional().meta({ pii: 'freeText' }),
  details: z.array(StoreOrderLine).min(1),
});
/** Input form of {@link StoreOrder}. */
export type StoreOrderInput = z.input<typeof StoreOrder>;

/** A payment received by the store, pushed as a Mahak receipt. */
export const StoreReceipt = z.object({
  /** The store's own id: the receipt's ClientId derives from it. */
  storeReceiptId: z.string().min(1),
  personId: id64.meta({ pii: 'id' }),
  cashAmount: money,
  date: when,
  trackingCode: z.string().optional(),
  description: z.string().optional().meta({ pii: 'freeText' }),
});
/** Input form of {@link StoreReceipt}. */
export type StoreReceiptInput = z.input<typeof StoreReceipt>;

/** Per-field error of a pushed row. */
export interface PushError {
  property: string;
  code: number;
  message: string;
}

/** Outcome of one pushed order line. */
export interface PushedLine {
  lineId: string;
  clientId: bigint;
  ok: boolean;
  mahakId: bigint | null;
  errors: PushError[];
}

/** Outcome of one pushed order: Mahak's ids for write-back, or the errors. */
export interface PushedOrder {
  storeOrderId: string;
  clientId: bigint;
  ok: boolean;
  mahakOrderId: bigint | null;
  rowVersion: bigint | null;
  code: string | null;
  errors: PushError[];
  details: PushedLine[];
}

/** Outcome of one pushed receipt. */
export interface PushedReceipt {
  storeReceiptId: string;
  clientId: bigint;
  ok: boolean;
  mahakReceiptId: bigint | null;
  rowVersion: bigint | null;
  code: string | null;
  errors: PushError[];
}

/** Options of {@link pushOrders} and {@link pushReceipts}. */
export interface PushOptions {
  /** ClientId namespace: one per store sharing a Mahak database (default `relaykit`). */
  namespace?: string;
  /** Rows per SaveAllData call (default 100 orders or receipts). */
  chunkSize?: number;
  /** Called for each record Mahak accepted, e.g. to store Mahak's id on the store's order. */
  writeBack?: (result: PushedOrder | PushedReceipt) => void | Promise<void>;
  /**
   * Offset of Mahak's clock (Iran: 210), the same as the sync's: dates are written as Mahak's local wall-clock time
   * without an offset, as Mahak's own clients write them, so a sync reading them back gets the same instant.
   * Default 0.
   */
  utcOffsetMinutes?: number;
  signal?: AbortSignal;
}

/** `d` as Mahak's local wall-clock time at `utcOffsetMinutes`, without an offset (`2025-03-01T13:30:00.000`). */
export function toMahakLocalTime(d: Date, utcOffsetMinutes = 0): string {
  return new Date(d.getTime() + utcOffsetMinutes * 60_000).toISOString().slice(0, 23);
}
const num = (s: string | undefined) => (s === undefined ? undefined : new JsonNumber(s));

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const errorsOf = (r: SaveRowResult | undefined): PushError[] =>
  r?.errors ?? [{ property: '', code: -1, message: 'Mahak returned no result for this row' }];

/**
 * Pushes orders with their lines through SaveAllData. Each order and line carries a ClientId derived from the
 * store's ids ({@link mahakClientId}). A retry never creates a second Mahak order, even on a server that does not
 * de-duplicate ClientIds: after an ambiguous failure (timeout, reset, 5xx after sending) the ClientIds are looked up
 * with GetAllData first and only what is missing is sent again. Pushing the same order again later relies on Mahak
 * answering a known ClientId with the order it has. Results come back per order and line.
 */
export async function pushOrders(
  client: MahakClient,
  orders: StoreOrderInput[],
  options: PushOptions = {},
): Promise<PushedOrder[]> {
  const ns = options.namespace ?? 'relaykit';
  const dotNet = (d: Date) => toMahakLocalTime(d, options.utcOffsetMinutes);
  const parsed = orders.map((o) => StoreOrder.parse(o));
  const results: PushedOrder[] = [];
  for (const chunk of chunks(parsed, options.chunkSize ?? 100)) {
    const orderRows: RowToSave[] = [];
    const detailRows: RowToSave[] = [];
    const lineIndex: Array<Array<{ lineId: string; clientId: bigint; index: number }>> = [];
    for (const order of chunk) {
      const orderClientId = mahakClientId('order', order.storeOrderId, ns);
      orderRows.push({
        clientId: orderClientId,
        row: {
          orderId: 0,
          orderClientId,
          personId: order.personId,
          visitorId: order.visitorId,
          orderType: order.orderType,
          orderDate: dotNet(order.orderDate),
          deliveryDate: order.deliveryDate ? dotNet(order.deliveryDate) : undefined,
          discount: num(order.discount),
          sendCost: num(order.sendCost),
          settlementType: order.settlementType,
          description: order.description,
        },
      });
      lineIndex.push(
        order.details.map((line, i) => {
          const lineId = line.lineId ?? String(i + 1);
          const clientId = mahakClientId('order-detail', `${order.storeOrderId}/${lineId}`, ns);
          detailRows.push({
            clientId,
            row: {
              orderDetailId: 0,
              orderDetailClientId: clientId,
              orderClientId,
              productDetailId: line.productDetailId,
              price: num(line.price),
              count1: num(line.count1),
              count2: num(line.count2),
              discount: num(line.discount),
              taxPercent: num(line.taxPercent),
              chargePercent: num(line.chargePercent),
              storeId: line.storeId,
              description: line.description,
            },
          });
          return { lineId, clientId, index: detailRows.length - 1 };
        }),
      );
    }
    const answer = await saveVerified(client, { Order: orderRows, OrderDetail: detailRows }, options.signal);
    for (const [i, order] of chunk.entries()) {
      const r = answer.Order?.[i];
      const details = lineIndex[i]!.map(({ lineId, clientId, index }): PushedLine => {
        const d = answer.OrderDetail?.[index];
        return {
          lineId,
          clientId,
          ok: d?.ok ?? false,
          mahakId: d?.ok ? d.entityId : null,
          errors: d?.ok ? [] : errorsOf(d),
        };
      });
      const result: PushedOrder = {
        storeOrderId: order.storeOrderId,
        clientId: mahakClientId('order', order.storeOrderId, ns),
        ok: (r?.ok ?? false) && details.every((d) => d.ok),
        mahakOrderId: r?.ok ? r.entityId : null,
        rowVersion: r?.rowVersion ?? null,
        code: r?.code ?? null,
        errors: r?.ok ? [] : errorsOf(r),
        details,
      };
      results.push(result);
      if (result.ok) await options.writeBack?.(result);
    }
  }
  return results;
}

/** Pushes receipts through SaveAllData with stable ClientIds (see {@link pushOrders}). */
export async function pushReceipts(
  client: MahakClient,
  receipts: StoreReceiptInput[],
  options: PushOptions = {},
): Promise<PushedReceipt[]> {
  const ns = options.namespace ?? 'relaykit';
  const dotNet = (d: Date) => toMahakLocalTime(d, options.utcOffsetMinutes);
  const parsed = receipts.map((r) => StoreReceipt.parse(r));
  const results: PushedReceipt[] = [];
  for (const chunk of chunks(parsed, options.chunkSize ?? 100)) {
    const rows = chunk.map((r): RowToSave => {
      const clientId = mahakClientId('receipt', r.storeReceiptId, ns);
      return {
        clientId,
        row: {
          receiptId: 0,
          receiptClientId: clientId,
          personId: r.personId,
          cashAmount: num(r.cashAmount),
          date: dotNet(r.date),
          trackingCode: r.trackingCode,
          description: r.description,
        },
      };
    });
    const answer = await saveVerified(client, { Receipt: rows }, options.signal);
    for (const [i, receipt] of chunk.entries()) {
      const r = answer.Receipt?.[i];
      const result: PushedReceipt = {
        storeReceiptId: receipt.storeReceiptId,
        clientId: rows[i]!.clientId,
        ok: r?.ok ?? false,
        mahakReceiptId: r?.ok ? r.entityId : null,
        rowVersion: r?.rowVersion ?? null,
        code: r?.code ?? null,
        errors: r?.ok ? [] : errorsOf(r),
      };
      results.push(result);
      if (result.ok) await options.writeBack?.(result);
    }
  }
  return results;
}
