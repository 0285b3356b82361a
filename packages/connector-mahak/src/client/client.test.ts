import { createRateLimiter, isHttpError, isCircuitOpenError } from '@relaykit/sdk-core';
import { afterEach, describe, expect, it } from 'vitest';
import { isMahakApiError, isMahakProtocolError } from '../errors/index.js';
import { JsonNumber, parseLosslessJson, sourceTextOf } from '../json/index.js';
import { MemoryCheckpointStore } from '@relaykit/sdk-core';
import { pushOrders, pushReceipts, mahakClientId } from '../push/index.js';
import { createMahakMemorySink } from '../sink/memory.js';
import { syncMahakEntity } from '../sync/sync.js';
import { FAKE_CODES, startFakeMahak, type FakeMahak, type FakeMahakOptions } from '../testing/index.js';
import { MahakClient } from './client.js';
import type { MahakClientOptions } from './types.js';

let fake: FakeMahak | undefined;
let client: MahakClient | undefined;
afterEach(async () => {
  await client?.close();
  await fake?.close();
  fake = undefined;
  client = undefined;
});

async function start(fakeOptions: FakeMahakOptions = {}, clientOptions: Partial<MahakClientOptions> = {}) {
  fake = await startFakeMahak(fakeOptions);
  client = new MahakClient({
    baseUrl: fake.url,
    userName: 'demo',
    password: 'demo-password',
    databaseId: 1,
    policy: {
      retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000 },
      breaker: { consecutiveFailures: 50 },
    },
    ...clientOptions,
  });
  return { fake, client };
}

describe('MahakClient', () => {
  it("keeps each record's JSON text as received when asked, every digit as written", async () => {
    const { fake: f, client: c } = await start({ seed: { Product: 3 }, startRowVersion: 2n ** 60n });
    f.insert('Product', { Name: 'quote " and \\ backslash', UnitRatio: new JsonNumber('12345678901234.5678') });
    const records = await c.getEntityPage('Product', 0n, { keepSourceText: true });
    expect(records).toHaveLength(4);
    for (const record of records) {
      const text = sourceTextOf(record)!;
      expect(parseLosslessJson(text)).toEqual(record);
      expect(text).toContain(`"RowVersion":${String(record.RowVersion)}`); // a bare number with all its digits
    }
    expect(sourceTextOf(records[3]!)).toContain('"UnitRatio":12345678901234.5678');
    expect(Object.keys(records[0]!)).not.toContain('sourceText'); // invisible on the record
    expect(sourceTextOf((await c.getEntityPage('Product', 0n))[0]!)).toBeUndefined(); // only when asked
  });

  it('logs in with an MD5 or a plain password, per configuration', async () => {
    const { fake: f, client: c } = await start({ passwordMode: 'md5', seed: { Bank: 2 } });
    expect(await c.getEntityPage('Bank', 0n)).toHaveLength(2);
    const plain = new MahakClient({
      baseUrl: f.url,
      userName: 'demo',
      password: 'demo-password',
      databaseId: 1,
      passwordMode: 'plain',
    });
    const error = await plain.login().catch((e: unknown) => e);
    expect(isMahakApiError(error) && error.mahakCode === FAKE_CODES.BAD_CREDENTIALS).toBe(true);
    await plain.close();
  });

  it('turns a Result:false envelope into a MahakApiError with Code and Message, without retrying it', async () => {
    const { fake: f, client: c } = await start({ seed: { Store: 1 } });
    await c.login();
    f.inject({ kind: 'envelope', endpoint: 'GetAllData', code: 5005, message: 'پایگاه داده در دسترس نیست' });
    const error = await c.getEntityPage('Store', 0n).catch((e: unknown) => e);
    expect(isMahakApiError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'MAHAK_API',
      mahakCode: 5005,
      mahakMessage: 'پایگاه داده در دسترس نیست',
      endpoint: 'GetAllData',
    });
    expect(f.requests.filter((r) => r.endpoint === 'GetAllData')).toHaveLength(1);
  });

  it('retries 429 (honouring Retry-After) and 503 HTML pages, then succeeds', async () => {
    const { fake: f, client: c } = await start({ seed: { Store: 3 } });
    f.inject({ kind: 'http', endpoint: 'GetAllData', status: 429, retryAfter: '0' });
    f.inject({ kind: 'http', endpoint: 'GetAllData', status: 503 });
    expect(await c.getEntityPage('Store', 0n)).toHaveLength(3);
    expect(f.requests.filter((r) => r.endpoint === 'GetAllData').map((r) => r.status)).toEqual([429, 503, 200]);
  });

  it('retries a connection reset; refuses an answer that is not an envelope', async () => {
    const { fake: f, client: c } = await start({ seed: { Store: 2 } });
    await c.login();
    f.inject({ kind: 'reset', endpoint: 'GetAllData' });
    expect(await c.getEntityPage('Store', 0n)).toHaveLength(2);
    f.inject({ kind: 'http', endpoint: 'GetAllData', status: 200, body: '<html>maintenance</html>' });
    expect(isMahakProtocolError(await c.getEntityPage('Store', 0n).catch((e: unknown) => e))).toBe(true);
  });

  it('gives up with the HTTP error after the last attempt', async () => {
    const { fake: f, client: c } = await start({ seed: { Store: 1 } });
    f.inject({ kind: 'http', endpoint: 'GetAllData', status: 500, times: 5 });
    const error = await c.getEntityPage('Store', 0n).catch((e: unknown) => e);
    expect(isHttpError(error, 500)).toBe(true);
  });

  for (const authFailure of ['envelope', 'http401'] as const) {
    it(`logs in again once and replays when the token expired (${authFailure})`, async () => {
      const { fake: f, client: c } = await start({ authFailure, seed: { Person: 2 } });
      await c.getEntityPage('Person', 0n);
      f.expireTokens();
      expect(await c.getEntityPage('Person', 0n)).toHaveLength(2);
      expect(f.logins).toBe(2);
    });
  }

  it('a token that outlived its lifetime is renewed transparently', async () => {
    let clock = Date.now();
    const { fake: f, client: c } = await start({ tokenTtlMs: 60_000, now: () => clock, seed: { Bank: 1 } });
    await c.login();
    clock += 60_001;
    expect(await c.getEntityPage('Bank', 0n)).toHaveLength(1);
    expect(f.logins).toBe(2);
  });

  it('acquires from its rate limiter for every request', async () => {
    const limiter = createRateLimiter({ rules: [{ limit: 3, windowMs: 60_000, burst: 3 }] });
    const { client: c } = await start({ seed: { Bank: 1 } }, { rateLimiter: limiter, rateLimitKey: 'mahak:test' });
    await c.getEntityPage('Bank', 0n); // Login + GetAllData
    expect((await limiter.tryAcquire('mahak:test')).allowed).toBe(true); // the third unit
    expect((await limiter.tryAcquire('mahak:test')).allowed).toBe(false);
    await limiter.close();
  });

  it('opens its circuit after repeated failures', async () => {
    const { fake: f, client: c } = await start(
      { seed: { Bank: 1 } },
      { policy: { retry: false, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } } },
    );
    await c.login();
    f.inject({ kind: 'http', status: 502, times: 10 });
    await c.getEntityPage('Bank', 0n).catch(() => undefined);
    await c.getEntityPage('Bank', 0n).catch(() => undefined);
    expect(isCircuitOpenError(await c.getEntityPage('Bank', 0n).catch((e: unknown) => e))).toBe(true);
  });
});

describe('pushes', () => {
  const order = (id: string, personId: number, productDetailId: number) => ({
    storeOrderId: id,
    personId,
    orderDate: '2025-03-01T10:00:00Z',
    sendCost: '150000',
    details: [
      { productDetailId, price: '1250000.50', count1: '2' },
      { lineId: 'gift', productDetailId, price: '0', count1: '1' },
    ],
  });

  it('a push retried after a timeout creates each order once and returns Mahak ids', async () => {
    // The policy's timeout (undici's own header timeout ticks at about 1 s, too coarse for a fast test).
    const { fake: f, client: c } = await start(
      { seed: { Person: 3, ProductDetail: 3 } },
      { policy: { timeoutMs: 150, retry: { maxAttempts: 3, initialDelayMs: 5 } } },
    );
    await c.login();
    f.inject({ kind: 'delay', endpoint: 'SaveAllData', ms: 400 }); // the server saves, then answers too late
    const written: unknown[] = [];
    const results = await pushOrders(c, [order('S-1', 1, 2), order('S-2', 2, 3)], {
      writeBack: (r) => {
        written.push(r);
      },
    });
    // The timeout is ambiguous: the ClientIds are looked up, both orders are found, nothing is sent again.
    expect(f.requests.filter((r) => r.endpoint === 'SaveAllData').length).toBe(1);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(f.liveRows('Order')).toHaveLength(2);
    expect(f.liveRows('OrderDetail')).toHaveLength(4);
    expect(results.map((r) => r.mahakOrderId)).toEqual(f.liveRows('Order').map((o) => BigInt(o.OrderId as number)));
    expect(written).toHaveLength(2);
    const stored = f.liveRows('Order')[0]!;
    expect(stored.OrderClientId).toBe(mahakClientId('order', 'S-1'));
    expect(String((stored.SendCost as { text: string }).text)).toBe('150000');
    expect(f.liveRows('OrderDetail').map((d) => (d.Price as { text: string }).text)).toEqual([
      '1250000.5',
      '0',
      '1250000.5',
      '0',
    ]);

    // Pushing the same orders again later (a replay) still creates nothing new.
    const again = await pushOrders(c, [order('S-1', 1, 2), order('S-2', 2, 3)]);
    expect(again.map((r) => r.mahakOrderId)).toEqual(results.map((r) => r.mahakOrderId));
    expect(f.count('Order')).toBe(2);
    expect(f.count('OrderDetail')).toBe(4);
  });

  it('reports per-row errors, and rows that pass are saved', async () => {
    const { fake: f, client: c } = await start({ seed: { Person: 1, ProductDetail: 1 } });
    const results = await pushOrders(c, [order('ok', 1, 1), order('bad-person', 999, 1)]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[1]).toMatchObject({
      ok: false,
      mahakOrderId: null,
      errors: [{ property: 'personId', code: FAKE_CODES.ROW_NOT_FOUND }],
    });
    expect(results[1]!.details.every((d) => !d.ok)).toBe(true);
    expect(f.count('Order')).toBe(1);

    const receipts = await pushReceipts(c, [
      {
        storeReceiptId: 'R-1',
        personId: 1,
        cashAmount: '500000.25',
        date: new Date('2025-03-01T10:00:00Z'),
        trackingCode: 'TRK-1',
      },
      { storeReceiptId: 'R-2', personId: 1, cashAmount: '12', date: new Date('2025-03-02T10:00:00Z') },
    ]);
    expect(receipts.map((r) => r.ok)).toEqual([true, true]);
    await pushReceipts(c, [
      { storeReceiptId: 'R-1', personId: 1, cashAmount: '500000.25', date: new Date('2025-03-01T10:00:00Z') },
    ]);
    expect(f.count('Receipt')).toBe(2);
  });

  it('pushes dates as Mahak local time: an order and a receipt synced back carry the same instants', async () => {
    const { fake: f, client: c } = await start({ utcOffsetMinutes: 210, seed: { Person: 1, ProductDetail: 1 } });
    const orderDate = new Date('2025-03-01T10:00:00.250Z');
    const deliveryDate = new Date('2025-03-05T22:15:00Z'); // 01:45 the next day in Tehran
    const receiptDate = new Date('2025-03-02T20:31:00Z');
    const pushOptions = { utcOffsetMinutes: 210 };
    const [pushed] = await pushOrders(c, [{ ...order('T-1', 1, 1), orderDate, deliveryDate }], pushOptions);
    const [receipt] = await pushReceipts(
      c,
      [{ storeReceiptId: 'TR-1', personId: 1, cashAmount: '10', date: receiptDate }],
      pushOptions,
    );
    expect([pushed!.ok, receipt!.ok]).toEqual([true, true]);
    // Stored as Mahak's own clients write it: Tehran wall-clock time, no offset.
    expect(f.liveRows('Order')[0]).toMatchObject({
      OrderDate: '2025-03-01T13:30:00.250',
      DeliveryDate: '2025-03-06T01:45:00.000',
    });

    const checkpoints = new MemoryCheckpointStore();
    const orders = createMahakMemorySink({ checkpoints });
    const receipts = createMahakMemorySink({ checkpoints });
    const sync = { client: c, checkpoints, utcOffsetMinutes: 210 };
    await syncMahakEntity({ ...sync, entity: 'Order', sink: orders });
    await syncMahakEntity({ ...sync, entity: 'Receipt', sink: receipts });
    const back = orders.live()[0]!.data!;
    expect(back.order_date).toEqual(orderDate);
    expect(back.delivery_date).toEqual(deliveryDate);
    expect(receipts.live()[0]!.data!.date).toEqual(receiptDate);
  });

  const ambiguous = [
    { name: 'a timeout', fault: { kind: 'delay', ms: 1_500 } },
    { name: 'a connection reset', fault: { kind: 'reset', afterWork: true } },
    { name: 'a 502', fault: { kind: 'http', status: 502, afterWork: true } },
  ] as const;
  for (const { name, fault } of ambiguous)
    it(`stays exactly-once on a server without ClientId de-duplication after ${name} once it saved`, async () => {
      const { fake: f, client: c } = await start(
        { clientIdDedupe: false, seed: { Person: 3, ProductDetail: 3, Order: 5, Receipt: 4 } },
        { policy: { timeoutMs: 500, retry: { maxAttempts: 3, initialDelayMs: 5 } } },
      );
      await c.login();
      f.inject({ ...fault, endpoint: 'SaveAllData' });
      const results = await pushOrders(c, [order('S-1', 1, 2), order('S-2', 2, 3)]);
      expect(results.map((r) => [r.ok, r.details.map((d) => d.ok)])).toEqual([
        [true, [true, true]],
        [true, [true, true]],
      ]);
      const created = f.allRows('Order').slice(5);
      expect(created.map((o) => o.OrderClientId)).toEqual([
        mahakClientId('order', 'S-1'),
        mahakClientId('order', 'S-2'),
      ]);
      expect(results.map((r) => r.mahakOrderId)).toEqual(created.map((o) => BigInt(o.OrderId as number)));
      expect(results[0]!.details.map((d) => d.mahakId)).toEqual(
        f
          .allRows('OrderDetail')
          .slice(0, 2)
          .map((d) => BigInt(d.OrderDetailId as number)),
      );
      expect(f.count('OrderDetail')).toBe(4);
      expect(f.requests.filter((r) => r.endpoint === 'SaveAllData')).toHaveLength(1);

      f.inject({ ...fault, endpoint: 'SaveAllData' });
      const receipts = await pushReceipts(c, [
        { storeReceiptId: 'R-1', personId: 1, cashAmount: '10', date: new Date('2025-03-01T10:00:00Z') },
      ]);
      expect(receipts[0]).toMatchObject({ ok: true, mahakReceiptId: 5n });
      expect(f.count('Receipt')).toBe(5);
    });

  it('re-sends what the look-up does not find (the failure came before the server saved), once', async () => {
    const { fake: f, client: c } = await start({ clientIdDedupe: false, seed: { Person: 3, ProductDetail: 3 } });
    await c.login();
    // A first order, saved cleanly, also tells the client where the look-up may start.
    await pushOrders(c, [order('S-0', 3, 1)]);
    f.inject({ kind: 'reset', endpoint: 'SaveAllData' }); // dropped before the server acted
    f.inject({ kind: 'http', status: 503, endpoint: 'SaveAllData', afterWork: true }); // then saved, answer lost
    const results = await pushOrders(c, [order('S-1', 1, 2), order('S-2', 2, 3)]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(f.liveRows('Order').map((o) => o.OrderClientId)).toEqual(
      ['S-0', 'S-1', 'S-2'].map((id) => mahakClientId('order', id)),
    );
    expect(f.count('OrderDetail')).toBe(6);
    expect(f.requests.filter((r) => r.endpoint === 'SaveAllData')).toHaveLength(3);
  });

  it('does not replay an ambiguous save when the caller gives no way to check what was saved', async () => {
    const { fake: f, client: c } = await start({ clientIdDedupe: false, seed: { Person: 1 } });
    await c.login();
    f.inject({ kind: 'http', status: 502, endpoint: 'SaveAllData', afterWork: true });
    const row = { personId: 0, personClientId: 77n, firstName: 'Once' };
    await expect(c.saveAllData({ people: [row] })).rejects.toMatchObject({ status: 502 });
    expect(f.count('Person')).toBe(2);
    expect(f.requests.filter((r) => r.endpoint === 'SaveAllData')).toHaveLength(1);
  });

  it('ClientIds are stable, positive int64 values', () => {
    expect(mahakClientId('order', 'S-1')).toBe(mahakClientId('order', 'S-1'));
    expect(mahakClientId('order', 'S-1')).not.toBe(mahakClientId('order', 'S-1', 'other-store'));
    expect(mahakClientId('order', 'S-1') > 0n && mahakClientId('order', 'S-1') < 2n ** 63n).toBe(true);
  });
});
