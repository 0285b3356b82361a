// The chaos suite's fake upstream: a keyed record store (`PUT /records/:key`, an upsert like Salesforce's by external
// id) with a ledger of every write that reached it, and storms on demand: 503s, 429s with Retry-After, latency.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A storm: for `until` (epoch ms), this share of requests fails with it, or every request is that much slower. */
export type Storm =
  | { kind: '503'; share: number; until: number }
  | { kind: '429'; share: number; retryAfterSeconds: number; until: number }
  | { kind: 'latency'; ms: number; until: number };

/** One write that reached the store. */
export interface LedgerWrite {
  key: string;
  value: number;
  idempotencyKey: string | undefined;
  at: number;
}

export interface ChaosUpstream {
  url: string;
  /** Every write that reached the store, in order (empty with `keepLedger: false`). */
  readonly ledger: LedgerWrite[];
  /** Writes that reached the store. */
  readonly writes: number;
  /** The store's current state: key → value. */
  readonly records: Map<string, number>;
  /** Requests answered with an error by a storm. */
  readonly refused: { '503': number; '429': number };
  storm(storm: Storm): void;
  close(): Promise<void>;
}

export async function startChaosUpstream(options: { keepLedger?: boolean } = {}): Promise<ChaosUpstream> {
  const keepLedger = options.keepLedger ?? true;
  const ledger: LedgerWrite[] = [];
  let writes = 0;
  const records = new Map<string, number>();
  const refused = { '503': 0, '429': 0 };
  let storms: Storm[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const now = Date.now();
        storms = storms.filter((s) => s.until > now);
        for (const s of storms) if (s.kind === 'latency') await new Promise((r) => setTimeout(r, s.ms));
        for (const s of storms) {
          if (s.kind === '503' && Math.random() < s.share) {
            refused['503']++;
            res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>Service Unavailable</h1>');
            return;
          }
          if (s.kind === '429' && Math.random() < s.share) {
            refused['429']++;
            res
              .writeHead(429, { 'content-type': 'application/json', 'retry-after': String(s.retryAfterSeconds) })
              .end('[{"errorCode":"REQUEST_LIMIT_EXCEEDED","message":"ConcurrentPerOrgLongTxn Limit exceeded."}]');
            return;
          }
        }
        const match = /^\/records\/([^/?]+)$/.exec(req.url ?? '');
        if (req.method !== 'PUT' || !match) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('[{"errorCode":"NOT_FOUND"}]');
          return;
        }
        const key = decodeURIComponent(match[1]!);
        const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { value: number };
        const created = !records.has(key);
        records.set(key, body.value);
        writes++;
        if (keepLedger)
          ledger.push({
            key,
            value: body.value,
            idempotencyKey: req.headers['idempotency-key'] as string | undefined,
            at: Date.now(),
          });
        res
          .writeHead(created ? 201 : 204, { 'content-type': 'application/json' })
          .end(created ? JSON.stringify({ id: key, success: true, errors: [], created: true }) : undefined);
      })();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ledger,
    get writes() {
      return writes;
    },
    records,
    refused,
    storm(storm) {
      storms.push(storm);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
