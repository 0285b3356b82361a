import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient, MemoryCheckpointStore, type RequestEndEvent, type SyncProgress } from '@relaykit/sdk-core';
import { afterEach, describe, expect, it } from 'vitest';
import { MahakClient } from '../client/client.js';
import { createMahakMemorySink } from '../sink/memory.js';
import type { MahakClientOptions } from '../client/types.js';
import { startFakeMahak, type FakeMahak, type FakeMahakOptions } from '../testing/index.js';
import { syncMahakEntity } from './sync.js';
import { collectedAfterGc } from '@relaykit/testkit';

let fake: FakeMahak | undefined;
let client: MahakClient | undefined;
afterEach(async () => {
  await client?.close();
  await fake?.close();
  fake = client = undefined;
});

async function start(
  seed: Record<string, number>,
  options: FakeMahakOptions = {},
  clientOptions: Partial<MahakClientOptions> = {},
) {
  fake = await startFakeMahak({
    paging: 'none',
    seed,
    startRowVersion: 2n ** 63n - 100_000n,
    seedRowsPerVersion: 3,
    ...options,
  });
  client = new MahakClient({
    baseUrl: fake.url,
    userName: 'demo',
    password: 'demo-password',
    databaseId: 1,
    ...clientOptions,
  });
  return { fake, client };
}

describe('a Mahak that ignores pageSize (one answer per entity)', () => {
  it('streams the answer into the sink page by page, with progress, before the answer has even ended', async () => {
    const { fake: f, client: c } = await start({ Person: 30_000 });
    let answered = 0;
    f.mutate(() => {
      answered++; // runs once the fake has written a whole answer
    });
    const checkpoints = new MemoryCheckpointStore();
    const sink = createMahakMemorySink({ checkpoints });
    let answeredAtFirstWrite: number | undefined;
    const progress: SyncProgress[] = [];
    const summary = await syncMahakEntity({
      client: c,
      entity: 'Person',
      checkpoints,
      pageSize: 500,
      maxBufferedPages: 1,
      sink: {
        ...sink,
        write: async (batch, context) => {
          answeredAtFirstWrite ??= answered;
          await sink.write(batch, context);
        },
      },
      onProgress: (p) => progress.push(p),
    });
    // 30,000 records (~12 MB) cannot all sit in socket buffers: the sink had its first page while the fake was still
    // writing, i.e. the answer was read as a stream, not as one string.
    expect(answeredAtFirstWrite).toBe(0);
    expect(summary).toMatchObject({ upserts: 30_000, deadLettered: 0 });
    expect(progress.length).toBeGreaterThanOrEqual(30); // pages of about 500 (cut at chunk ends)
    expect(progress.at(-1)!.records).toBe(30_000);
    // One answer held everything; the next request (from the last complete RowVersion) only confirms the end.
    expect(f.requests.filter((r) => r.endpoint === 'GetAllData').length).toBeLessThanOrEqual(2);
    expect(sink.live()).toHaveLength(30_000);
    // Lossless: RowVersions near 2^63 and money kept exactly.
    const last = f.allRows('Person').at(-1)!;
    expect(await checkpoints.get('mahak:1', 'Person')).toBe(last.RowVersion);
    const row = sink.rows.get(30_000n)!;
    expect(row.rowVersion).toBe(last.RowVersion);
    expect(row.data!.credit).toBe((last.Credit as { text: string }).text.replace(/\.?0+$/, ''));
  });

  it('syncs changes made after the first answer, and a second run reads only them', async () => {
    const { fake: f, client: c } = await start({ Product: 2_000 });
    const checkpoints = new MemoryCheckpointStore();
    const sink = createMahakMemorySink({ checkpoints });
    const run = () => syncMahakEntity({ client: c, entity: 'Product', checkpoints, sink, pageSize: 64 });
    expect((await run()).upserts).toBe(2_000);
    f.transaction(() => {
      for (let id = 1; id <= 100; id++) f.update('Product', id, { Name: `Renamed ${id}` });
      f.remove('Product', 200);
    });
    f.insert('Product', { Name: 'New' });
    const second = await run();
    expect([second.upserts, second.deletes]).toEqual([101, 1]);
    expect(sink.rows.get(1n)!.data!.name).toBe('Renamed 1');
    expect(sink.live()).toHaveLength(2_000);
    expect((await run()).records).toBe(0);
  });

  it('reads a whole answer without streaming when asked (stream: false)', async () => {
    const { client: c } = await start({ Person: 700 });
    const checkpoints = new MemoryCheckpointStore();
    const sink = createMahakMemorySink({ checkpoints });
    const summary = await syncMahakEntity({
      client: c,
      entity: 'Person',
      checkpoints,
      sink,
      pageSize: 50,
      stream: false,
    });
    expect(summary).toMatchObject({ upserts: 700, pages: 2 }); // the whole answer, then a short one confirming the end
  });

  it('loses nothing when the one answer comes newest first (read again whole, from where it started)', async () => {
    const { fake: f, client: c } = await start({ Person: 3_000 }, { answerOrder: 'descending' });
    const checkpoints = new MemoryCheckpointStore();
    const sink = createMahakMemorySink({ checkpoints });
    await syncMahakEntity({ client: c, entity: 'Person', checkpoints, sink, pageSize: 100 });
    expect(sink.live()).toHaveLength(3_000);
    expect(await checkpoints.get('mahak:1', 'Person')).toBe(f.rowVersion);
    f.update('Person', 5, { FirstName: 'Later' });
    await syncMahakEntity({ client: c, entity: 'Person', checkpoints, sink, pageSize: 100 });
    expect(sink.rows.get(5n)!.data!.first_name).toBe('Later');
  });
});

describe('streamed answers and timeouts', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    server = undefined;
  });

  /** A Mahak answering GetAllData with `count` people, one chunk every `everyMs`, or stalling after the first. */
  async function slowMahak(count: number, everyMs: number, stall = false): Promise<string> {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        if (req.url!.endsWith('Login'))
          return res.end('{"Result":true,"Code":0,"Message":"","Data":{"UserToken":"t"}}');
        res.write('{"Result":true,"Code":0,"Message":"","Data":{"Objects":{"People":[');
        let i = 0;
        const timer = setInterval(() => {
          if (stall && i === 1) return;
          i++;
          res.write(`${i > 1 ? ',' : ''}{"PersonId":${i},"RowVersion":${i},"FirstName":"P${i}"}`);
          if (i === count) {
            clearInterval(timer);
            res.end(']}}}');
          }
        }, everyMs);
        res.on('close', () => clearInterval(timer));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api/v3/sync/`;
  }

  it("a streamed answer goes through the client's HTTP requester (its hooks, logs and traces see it)", async () => {
    const baseUrl = await slowMahak(5, 5);
    const ends: RequestEndEvent[] = [];
    const http = new HttpClient({ baseUrl, upstream: 'mahak', hooks: { onRequestEnd: (e) => ends.push(e) } });
    const mahak = new MahakClient({ baseUrl, userName: 'u', password: 'p', databaseId: 1, http });
    let records = 0;
    for await (const batch of mahak.streamEntity('Person', 0n, { batchSize: 2 })) records += batch.records.length;
    expect(records).toBe(5);
    expect(ends.map((e) => [e.route, e.status])).toEqual([
      ['/api/v3/sync/Login', 200],
      ['/api/v3/sync/GetAllData', 200],
    ]);
    await http.close();
  });

  it('hands each batch over as soon as it is complete: no full batch waits in the client (bounded memory)', async () => {
    const baseUrl = await slowMahak(40, 3); // a record every 3 ms: the body comes in many chunks
    const http = new HttpClient({ baseUrl, upstream: 'mahak' });
    // Counts the records in the body chunks the client has taken from the socket so far.
    let received = 0;
    const open = http.stream.bind(http);
    http.stream = async (request) => {
      const answer = await open(request);
      const body = answer.body;
      return {
        ...answer,
        body: (async function* () {
          for await (const chunk of body) {
            received += Buffer.from(chunk).toString().split('"PersonId"').length - 1;
            yield chunk;
          }
        })(),
      };
    };
    const mahak = new MahakClient({ baseUrl, userName: 'u', password: 'p', databaseId: 1, http });
    let handedOver = 0;
    const batches: Array<[number, boolean]> = [];
    for await (const batch of mahak.streamEntity('Person', 0n, { batchSize: 4 })) {
      handedOver += batch.records.length;
      batches.push([batch.records.length, batch.last]);
      // Every record read is in this batch or an earlier one: none is held back for the next.
      expect(received - handedOver).toBe(0);
    }
    expect(handedOver).toBe(40);
    expect(batches.length).toBeGreaterThan(2);
    expect(batches.at(-1)![1]).toBe(true);
    expect(batches.slice(0, -1).every(([n, last]) => n >= 4 && !last)).toBe(true);
    await mahak.close();
    await http.close();
  });

  it('keeps no reference to a batch it handed over while it reads the next one', async () => {
    // Four people, then nothing until the test ends the answer: the stream waits for more of the body.
    let finish: (() => void) | undefined;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        if (req.url!.endsWith('Login'))
          return res.end('{"Result":true,"Code":0,"Message":"","Data":{"UserToken":"t"}}');
        const people = [1, 2, 3, 4].map((i) => `{"PersonId":${i},"RowVersion":${i},"FirstName":"P${i}"}`);
        res.write(`{"Result":true,"Code":0,"Message":"","Data":{"Objects":{"People":[${people.join(',')}`);
        finish = () => res.end(']}}}');
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api/v3/sync/`;
    const mahak = new MahakClient({ baseUrl, userName: 'u', password: 'p', databaseId: 1 });
    const stream = mahak.streamEntity('Person', 0n, { batchSize: 4 });
    // In a function of its own, so that the test keeps nothing of the batch but a weak reference.
    const handed = await (async () => {
      const first = await stream.next();
      expect(first.value).toMatchObject({ records: [{ PersonId: 1 }, {}, {}, { PersonId: 4 }], last: false });
      return new WeakRef((first.value as { records: object[] }).records[0]!);
    })();
    const second = stream.next(); // the stream reads on, and waits for the rest of the body
    const gone = await collectedAfterGc(handed);
    finish!();
    expect(gone).toBe(true);
    expect(await second).toMatchObject({ value: { records: [], last: true } });
    await mahak.close();
  });

  it('a long answer that keeps coming is not cut by the policy timeout; a stalled one fails on the idle timeout', async () => {
    const baseUrl = await slowMahak(12, 100); // about 1.2 s in all, a chunk every 100 ms
    const options = {
      baseUrl,
      userName: 'u',
      password: 'p',
      databaseId: 1,
      timeouts: { bodyMs: 800 },
      policy: { timeoutMs: 400, retry: { maxAttempts: 1 } },
    };
    const steady = new MahakClient(options);
    const batches: number[] = [];
    for await (const batch of steady.streamEntity('Person', 0n, { batchSize: 4 })) batches.push(batch.records.length);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(12);
    expect(batches.length).toBeGreaterThan(1);
    await steady.close();

    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server!.closeAllConnections();
    const stalledUrl = await slowMahak(12, 100, true);
    const stalled = new MahakClient({ ...options, baseUrl: stalledUrl });
    const error = await (async () => {
      for await (const _ of stalled.streamEntity('Person', 0n)) void _;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', details: expect.objectContaining({ phase: 'body' }) });
    await stalled.close();
  });
});
