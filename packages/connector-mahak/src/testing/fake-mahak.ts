import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ENTITIES, ENTITY_NAMES, keysOf, type EntityName, type FieldType } from '../entities/catalogue.js';
import { toDate, toDecimal, toInt64 } from '../entities/scalars.js';
import { JsonNumber, parseLosslessJson, stringifyLosslessJson } from '../json/lossless.js';
import { dotNetDate, FakeTable, generateRow, type FakeRow } from './table.js';

/**
 * Result codes the fake answers with in a `Result:false` envelope (HTTP 200). Mahak publishes no catalogue; these are
 * our model, and the client only relies on {@link FAKE_CODES.AUTH} being configurable.
 */
export const FAKE_CODES = {
  OK: 0,
  /** Token missing, unknown or expired. */
  AUTH: 401,
  /** Wrong user name, password or database id. */
  BAD_CREDENTIALS: 1001,
  /** The body is not valid JSON or misses a required field. */
  BAD_REQUEST: 1100,
  /** A row of a save failed validation (per-row, inside a `Result:true` envelope). */
  ROW_INVALID: 2001,
  /** A row refers to a record that does not exist. */
  ROW_NOT_FOUND: 2002,
} as const;

/** A failure the fake injects into the next matching requests. */
export type FakeFault = {
  /** Endpoint it applies to (`Login`, `GetAllData`, `SaveAllData`, case-insensitive, V2 aliases included); all when omitted. */
  endpoint?: string;
  /** How many requests it hits (default 1). */
  times?: number;
} & (
  | {
      kind: 'http';
      status: number;
      retryAfter?: string;
      body?: string;
      contentType?: string;
      /** Do the work first, then answer with this status (default false: refuse before acting). */
      afterWork?: boolean;
    }
  | { kind: 'envelope'; code: number; message: string }
  | {
      kind: 'delay';
      ms: number /** Do the work first, then answer late (default true): a timeout after the server acted. */;
      afterWork?: boolean;
    }
  | {
      kind: 'reset';
      /** Do the work first, then drop the connection without an answer (default false). */
      afterWork?: boolean;
    }
);

/** Options of {@link startFakeMahak}. */
export interface FakeMahakOptions {
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Path prefix of the v3 sync API (default `/api/v3/sync/`). */
  basePath?: string;
  userName?: string;
  password?: string;
  databaseId?: bigint | number;
  /** Which password forms Login accepts: lowercase-hex MD5, plain, or either (default). */
  passwordMode?: 'md5' | 'plain' | 'either';
  /** Token lifetime (default 30 min, as v1 documented). */
  tokenTtlMs?: number;
  /** The fake's clock in epoch ms (default `Date.now`): a test moves it to expire tokens without waiting. */
  now?: () => number;
  /** How an invalid token is answered: a `Result:false` envelope with code 401 in HTTP 200 (default) or HTTP 401. */
  authFailure?: 'envelope' | 'http401';
  /** The RowVersion counter's last value; the first change gets `startRowVersion + 1` (default 4,000,000,000). */
  startRowVersion?: bigint;
  /** Page size when the request asks none (default: unlimited, as the real API). */
  pageSize?: number;
  /**
   * `safe` (default): a page never ends inside a group of equal RowVersions (it grows past the page size to finish it).
   * `adversarial`: a page holds exactly the page size, splitting such groups.
   * `none`: as the reference documents Mahak — `pageSize` is ignored and one answer holds every record asked for,
   * written to the socket as it is produced (the fake never holds the whole answer).
   */
  paging?: 'safe' | 'adversarial' | 'none';
  /**
   * With `paging: 'none'`: the order of the rows in an answer (default `row-version`). `descending` answers newest
   * first — the reference promises no order.
   */
  answerOrder?: 'row-version' | 'descending';
  /** Rows generated per entity at start. */
  seed?: Partial<Record<EntityName, number>>;
  /** Generated rows stamped with one shared RowVersion, per group (default 1: no ties). */
  seedRowsPerVersion?: number;
  /**
   * How an unset (null) field is written in GetAllData answers: `null` (default) or `empty-string` — `""`, as some
   * Mahak sources write an unset date, number or id (the reference leaves it open).
   */
  unsetValues?: 'null' | 'empty-string';
  /**
   * Offset of the fake's clock (Iran: 210; default 0). Pushed dates without an offset are stored and served as given
   * (local wall-clock time, as Mahak does); a pushed date with an offset, or epoch ms, is stored as the local time
   * at this offset; dates the server sets (`CreateDate`, `UpdateDate`, `ServerTime`) are local time too.
   */
  utcOffsetMinutes?: number;
  /**
   * Whether SaveAllData answers a new row whose ClientId it already holds with that record (default true: our model).
   * False: every new row creates a record, as a server that does not de-duplicate would.
   */
  clientIdDedupe?: boolean;
}

/** Context given to a {@link FakeMahak.mutate} hook. */
export interface MutateContext {
  /** 1-based count of GetAllData calls answered so far, this one included. */
  call: number;
  /** Entities in the answer with how many rows each carried. */
  served: Partial<Record<EntityName, number>>;
}

/** One request the fake received. */
export interface FakeRequestLog {
  endpoint: string;
  status: number;
  /** `Result` of the envelope, when one was sent. */
  result?: boolean;
}

/** A running fake Mahak v3 sync API. */
export interface FakeMahak {
  /** Base URL of the API, ending with `/`, e.g. `http://127.0.0.1:4321/api/v3/sync/`. */
  readonly url: string;
  readonly port: number;
  /** The last RowVersion handed out. */
  readonly rowVersion: bigint;
  /** Requests received, in order. */
  readonly requests: readonly FakeRequestLog[];
  /** Creates a row (fields under Mahak's names; omitted ones are generated); returns its id. */
  insert(entity: EntityName, fields?: Record<string, unknown>): number;
  /** Changes a row and bumps its RowVersion. */
  update(entity: EntityName, id: number, fields: Record<string, unknown>): void;
  /** Soft-deletes a row (`Deleted: true`) and bumps its RowVersion. */
  remove(entity: EntityName, id: number): void;
  /** Runs `fn` as one transaction: every change inside it shares one RowVersion (how ties arise). */
  transaction(fn: () => void): void;
  /** A row by id, deleted ones included. */
  get(entity: EntityName, id: number): FakeRow | undefined;
  /** Rows not deleted, by id. */
  liveRows(entity: EntityName): FakeRow[];
  /** Every row, deleted ones included, by id. */
  allRows(entity: EntityName): FakeRow[];
  /** Number of rows of `entity`, deleted ones included. */
  count(entity: EntityName): number;
  /** Runs `hook` after each GetAllData page is built and before it is sent: data changes between pages. */
  mutate(hook: (fake: FakeMahak, context: MutateContext) => void | Promise<void>): () => void;
  /** Injects a failure into the next matching requests. */
  inject(fault: FakeFault): void;
  /** Drops injected failures not used yet. */
  clearFaults(): void;
  /** Invalidates every token handed out. */
  expireTokens(): void;
  /** Number of logins answered successfully. */
  readonly logins: number;
  close(): Promise<void>;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

class Envelope {
  constructor(
    readonly code: number,
    readonly message: string,
  ) {}
}

/**
 * Starts a fake Mahak v3 sync API on loopback: `Login`/`LoginV2`, `GetAllData`/`GetAllDataV2`,
 * `SaveAllData`/`SaveAllDataV2`, the `{Result, Code, Message, Data}` envelope, a monotonic int64 RowVersion counter,
 * soft deletes, paging (safe or adversarial), ClientId de-duplication, expiring tokens and injectable failures.
 *
 * Paging model (the real API has none): a request may carry `pageSize` (our extension); without it the fake's
 * `pageSize` option applies, else every row. Rows come ordered by RowVersion, then by when they were written.
 */
export async function startFakeMahak(options: FakeMahakOptions = {}): Promise<FakeMahak> {
  const basePath = options.basePath ?? '/api/v3/sync/';
  const userName = options.userName ?? 'demo';
  const password = options.password ?? 'demo-password';
  const databaseId = BigInt(options.databaseId ?? 1);
  const passwordMode = options.passwordMode ?? 'either';
  const tokenTtlMs = options.tokenTtlMs ?? 30 * 60_000;
  const safe = (options.paging ?? 'safe') === 'safe';
  const noPaging = options.paging === 'none';
  const offsetMs = (options.utcOffsetMinutes ?? 0) * 60_000;
  const now = options.now ?? Date.now;
  const localNow = () => dotNetDate(now() + offsetMs);
  let counter = options.startRowVersion ?? 4_000_000_000n;
  let txVersion: bigint | undefined;
  let syncId = 0n;
  let getAllDataCalls = 0;
  let logins = 0;
  const tokens = new Map<string, number>();
  const faults: FakeFault[] = [];
  const hooks = new Set<(fake: FakeMahak, context: MutateContext) => void | Promise<void>>();
  const requests: FakeRequestLog[] = [];
  const tables = new Map<EntityName, FakeTable>(ENTITY_NAMES.map((n) => [n, new FakeTable(n, options.unsetValues)]));
  const table = (e: EntityName) => tables.get(e)!;

  const nextVersion = (): bigint => txVersion ?? (counter += 1n);

  const perGroup = Math.max(1, options.seedRowsPerVersion ?? 1);
  for (const [entity, count] of Object.entries(options.seed ?? {}) as Array<[EntityName, number]>) {
    const base = counter;
    table(entity).seed(count, (i) => base + 1n + BigInt(Math.floor(i / perGroup)));
    counter = base + BigInt(Math.ceil(count / perGroup));
  }

  const stamp = (row: FakeRow): void => {
    row.RowVersion = nextVersion();
    row.UpdateDate = localNow();
    row.DataHash = md5(stringifyLosslessJson({ ...row, DataHash: undefined, RowVersion: undefined })).slice(0, 16);
  };

  const fake: FakeMahak = {
    url: '',
    port: 0,
    get rowVersion() {
      return counter;
    },
    get requests() {
      return requests;
    },
    get logins() {
      return logins;
    },
    insert(entity, fields = {}) {
      const t = table(entity);
      const id = t.allocateId();
      const k = keysOf(entity);
      const row: FakeRow = { ...generateRow(entity, id, 0n), ...fields, [k.id]: id };
      stamp(row);
      t.put(id, row);
      return id;
    },
    update(entity, id, fields) {
      const row = table(entity).get(id);
      if (!row) throw new Error(`no ${entity} ${id}`);
      const next = { ...row, ...fields };
      stamp(next);
      table(entity).put(id, next);
    },
    remove(entity, id) {
      fake.update(entity, id, { Deleted: true });
    },
    transaction(fn) {
      if (txVersion !== undefined) return fn();
      txVersion = counter += 1n;
      try {
        fn();
      } finally {
        txVersion = undefined;
      }
    },
    get: (entity, id) => table(entity).get(id),
    liveRows: (entity) => [...table(entity).all()].filter((r) => r.Deleted !== true),
    allRows: (entity) => [...table(entity).all()],
    count: (entity) => table(entity).size,
    mutate(hook) {
      hooks.add(hook);
      return () => {
        hooks.delete(hook);
      };
    },
    inject(fault) {
      faults.push({ times: 1, ...fault });
    },
    clearFaults() {
      faults.length = 0;
    },
    expireTokens() {
      tokens.clear();
    },
    close: async () => {},
  };

  function takeFault(endpoint: string): FakeFault | undefined {
    const name = endpoint.toLowerCase().replace(/v2$/, '');
    const index = faults.findIndex((f) => !f.endpoint || f.endpoint.toLowerCase().replace(/v2$/, '') === name);
    if (index === -1) return undefined;
    const fault = faults[index]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  function authorised(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const token = header.replace(/^Bearer\s+/i, '').trim();
    const expires = token ? tokens.get(token) : undefined;
    if (expires === undefined) return false;
    if (expires < now()) {
      tokens.delete(token);
      return false;
    }
    return true;
  }

  function login(body: Record<string, unknown>): unknown {
    const pw = typeof body.Password === 'string' ? body.Password : '';
    const okPassword =
      (passwordMode !== 'md5' && pw === password) || (passwordMode !== 'plain' && pw === md5(password));
    let dbOk = false;
    try {
      dbOk = toInt64(body.DatabaseId) === databaseId;
    } catch {
      dbOk = false;
    }
    if (body.UserName !== userName || !okPassword || !dbOk)
      throw new Envelope(
        FAKE_CODES.BAD_CREDENTIALS,
        'نام کاربری یا رمز عبور اشتباه است (invalid user name, password or database)',
      );
    const token = randomBytes(24).toString('hex');
    tokens.set(token, now() + tokenTtlMs);
    logins++;
    syncId += 1n;
    return {
      UserToken: token,
      SyncId: syncId,
      VisitorId: 1,
      DatabaseId: databaseId,
      UserTitle: 'Demo store',
      MahakId: 'M-0001',
      ServerTime: localNow(),
      CreditDay: null,
    };
  }

  /**
   * The `Data` JSON text of a GetAllData answer as a sequence of text parts (rows written as text straight from the
   * table, a few hundred per part); `served` is complete once the parts are consumed.
   */
  function getAllDataParts(body: Record<string, unknown>): {
    parts: Generator<string>;
    served: Partial<Record<EntityName, number>>;
  } {
    const requested = body.pageSize ?? body.PageSize;
    const limit =
      noPaging || requested === undefined || requested === null
        ? noPaging
          ? Number.POSITIVE_INFINITY
          : (options.pageSize ?? Number.POSITIVE_INFINITY)
        : Number(requested);
    if (!(limit > 0)) throw new Envelope(FAKE_CODES.BAD_REQUEST, 'pageSize must be positive');
    const orderTypes = Array.isArray(body.orderTypes) ? new Set(body.orderTypes.map(Number)) : undefined;
    const wanted: Array<[EntityName, bigint]> = [];
    for (const entity of ENTITY_NAMES) {
      const key = keysOf(entity).fromVersion;
      const raw = body[key] ?? body[upperFirst(key)];
      if (raw === undefined || raw === null) continue;
      try {
        wanted.push([entity, toInt64(raw)]);
      } catch {
        throw new Envelope(FAKE_CODES.BAD_REQUEST, `${key} is not an int64`);
      }
    }
    const served: Partial<Record<EntityName, number>> = {};
    function* parts(): Generator<string> {
      yield '{"Objects":{';
      for (const [n, [entity, from]] of wanted.entries()) {
        const filter =
          entity === 'Order' && orderTypes ? (r: FakeRow) => orderTypes.has(Number(r.OrderType)) : undefined;
        yield `${n ? ',' : ''}${JSON.stringify(ENTITIES[entity].plural)}:[`;
        let count = 0;
        let part: string[] = [];
        const rows = table(entity).rowsAfter(from, limit, safe, filter);
        for (const row of options.answerOrder === 'descending' ? [...rows].reverse() : rows) {
          part.push(row);
          if (part.length === 256) {
            yield (count ? ',' : '') + part.join(',');
            count += part.length;
            part = [];
          }
        }
        if (part.length) yield (count ? ',' : '') + part.join(',');
        served[entity] = count + part.length;
        yield ']';
      }
      yield '}}';
    }
    return { parts: parts(), served };
  }

  /** Builds the `Data` JSON text of a GetAllData answer (rows are written as text straight from the table). */
  function getAllData(body: Record<string, unknown>): { data: string; served: Partial<Record<EntityName, number>> } {
    const requested = body.pageSize ?? body.PageSize;
    const limit =
      requested === undefined || requested === null
        ? (options.pageSize ?? Number.POSITIVE_INFINITY)
        : Number(requested);
    if (!(limit > 0)) throw new Envelope(FAKE_CODES.BAD_REQUEST, 'pageSize must be positive');
    const orderTypes = Array.isArray(body.orderTypes) ? new Set(body.orderTypes.map(Number)) : undefined;
    const parts: string[] = [];
    const served: Partial<Record<EntityName, number>> = {};
    for (const entity of ENTITY_NAMES) {
      const key = keysOf(entity).fromVersion;
      const raw = body[key] ?? body[upperFirst(key)];
      if (raw === undefined || raw === null) continue;
      let from: bigint;
      try {
        from = toInt64(raw);
      } catch {
        throw new Envelope(FAKE_CODES.BAD_REQUEST, `${key} is not an int64`);
      }
      const filter = entity === 'Order' && orderTypes ? (r: FakeRow) => orderTypes.has(Number(r.OrderType)) : undefined;
      const rows = table(entity).page(from, limit, safe, filter);
      parts.push(`${JSON.stringify(ENTITIES[entity].plural)}:[${rows.join(',')}]`);
      served[entity] = rows.length;
    }
    return { data: `{"Objects":{${parts.join(',')}}}`, served };
  }

  function saveAllData(body: Record<string, unknown>): unknown {
    const objects: Record<string, { Results: unknown[] }> = {};
    for (const entity of ENTITY_NAMES) {
      const def = ENTITIES[entity];
      const rows = body[def.saveKey] ?? body[def.plural];
      if (!Array.isArray(rows)) continue;
      const results: unknown[] = [];
      rows.forEach((input: unknown, index: number) => {
        const r = saveRow(entity, input, index);
        results.push(r);
      });
      objects[def.plural] = { Results: results };
    }
    return { Objects: objects };
  }

  function saveRow(entity: EntityName, input: unknown, index: number): Record<string, unknown> {
    const k = keysOf(entity);
    const errors: Array<{ Property: string; Code: number; Error: string }> = [];
    const fail = () => ({
      Result: false,
      Index: index,
      EntityId: 0,
      EntityClientId: 0,
      EntityCode: null,
      RowVersion: 0,
      Errors: errors,
    });
    if (typeof input !== 'object' || input === null) {
      errors.push({ Property: '', Code: FAKE_CODES.ROW_INVALID, Error: 'row is not an object' });
      return fail();
    }
    // Save requests use camelCase field names; store them under Mahak's PascalCase ones.
    const row: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) row[upperFirst(key)] = value;
    let id = 0n;
    let clientId = 0n;
    try {
      id = row[k.id] === undefined ? 0n : toInt64(row[k.id]);
    } catch {
      errors.push({ Property: lowerFirst(k.id), Code: FAKE_CODES.ROW_INVALID, Error: 'not an int64' });
    }
    try {
      clientId = row[k.clientId] === undefined ? 0n : toInt64(row[k.clientId]);
    } catch {
      errors.push({ Property: lowerFirst(k.clientId), Code: FAKE_CODES.ROW_INVALID, Error: 'not an int64' });
    }
    if (errors.length) return { ...fail(), EntityClientId: clientId };
    const t = table(entity);
    if (id === 0n) {
      if (clientId === 0n) {
        errors.push({
          Property: lowerFirst(k.clientId),
          Code: FAKE_CODES.ROW_INVALID,
          Error: 'a new row needs a non-zero ClientId',
        });
        return fail();
      }
      const existing = options.clientIdDedupe === false ? undefined : t.idForClientId(clientId);
      if (existing !== undefined) {
        // A replay of a row already created: answer with the record it created, create nothing.
        const stored = t.get(existing)!;
        return {
          Result: true,
          Index: index,
          EntityId: existing,
          EntityClientId: clientId,
          EntityCode: stored[k.code] ?? null,
          RowVersion: stored.RowVersion,
          Errors: [],
        };
      }
    } else if (!t.get(Number(id))) {
      errors.push({
        Property: lowerFirst(k.id),
        Code: FAKE_CODES.ROW_NOT_FOUND,
        Error: `${entity} ${id} does not exist`,
      });
      return { ...fail(), EntityClientId: clientId };
    }
    const fields = ENTITIES[entity].fields as Record<string, FieldType>;
    const clean: FakeRow = {};
    for (const [name, type] of Object.entries(fields)) {
      if (!(name in row)) continue;
      const value = row[name];
      if (value === null) {
        clean[name] = null;
        continue;
      }
      try {
        clean[name] =
          type === 'int64'
            ? toInt64(value)
            : type === 'decimal'
              ? new JsonNumber(toDecimal(value))
              : type === 'date'
                ? localDate(value, offsetMs)
                : type === 'int'
                  ? checkInt(value)
                  : type === 'bool'
                    ? checkBool(value)
                    : String(value);
      } catch (error) {
        errors.push({ Property: lowerFirst(name), Code: FAKE_CODES.ROW_INVALID, Error: (error as Error).message });
      }
    }
    // Links: an order detail names its order by orderId or by the order's ClientId.
    if (
      entity === 'OrderDetail' &&
      (clean.OrderId === undefined || clean.OrderId === 0n) &&
      row.OrderClientId !== undefined
    ) {
      let orderId: number | undefined;
      try {
        orderId = table('Order').idForClientId(toInt64(row.OrderClientId));
      } catch {
        orderId = undefined;
      }
      if (orderId === undefined)
        errors.push({
          Property: 'orderClientId',
          Code: FAKE_CODES.ROW_NOT_FOUND,
          Error: 'no order with this ClientId',
        });
      else clean.OrderId = BigInt(orderId);
    }
    for (const [field, target] of LINKS[entity] ?? []) {
      const ref = clean[field];
      if (typeof ref !== 'bigint' || ref === 0n) {
        if (
          id === 0n &&
          !errors.some(
            (e) => e.Property === lowerFirst(field) || (field === 'OrderId' && e.Property === 'orderClientId'),
          )
        ) {
          errors.push({ Property: lowerFirst(field), Code: FAKE_CODES.ROW_INVALID, Error: `${field} is required` });
        }
        continue;
      }
      const target_ = table(target).get(Number(ref));
      if (!target_ || target_.Deleted === true)
        errors.push({
          Property: lowerFirst(field),
          Code: FAKE_CODES.ROW_NOT_FOUND,
          Error: `${target} ${ref} does not exist`,
        });
    }
    if (errors.length) return { ...fail(), EntityClientId: clientId };
    let newId: number;
    if (id === 0n) {
      newId = t.allocateId();
      const created: FakeRow = {
        ...generateRow(entity, newId, 0n),
        ...nullsFor(fields),
        ...clean,
        [k.id]: newId,
        [k.clientId]: clientId,
        [k.code]: 100_000 + newId,
        CreateDate: localNow(),
        CreateSyncId: syncId,
      };
      stamp(created);
      t.put(newId, created);
    } else {
      newId = Number(id);
      const next = { ...t.get(newId)!, ...clean, UpdateSyncId: syncId };
      stamp(next);
      t.put(newId, next);
    }
    const stored = t.get(newId)!;
    return {
      Result: true,
      Index: index,
      EntityId: newId,
      EntityClientId: clientId,
      EntityCode: stored[k.code],
      RowVersion: stored.RowVersion,
      Errors: [],
    };
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 5_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const endpoint = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : '';
    const name = endpoint.toLowerCase();
    const known = ['login', 'loginv2', 'getalldata', 'getalldatav2', 'savealldata', 'savealldatav2'];
    const log: FakeRequestLog = { endpoint: endpoint || url.pathname, status: 200 };
    requests.push(log);
    const send = (status: number, text: string, headers: Record<string, string> = {}) => {
      log.status = status;
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(text);
    };
    const envelope = (result: boolean, code: number, message: string, data: unknown, dataText?: string) => {
      log.result = result;
      const head = `{"Result":${result},"Code":${code},"Message":${JSON.stringify(message)},"Data":`;
      return `${head}${dataText ?? stringifyLosslessJson(data ?? null)}}`;
    };
    if (!known.includes(name))
      return send(404, '<html><body><h1>404 - Not Found</h1></body></html>', { 'content-type': 'text/html' });
    if (req.method !== 'POST') return send(405, envelope(false, 405, 'Method not allowed', null), { allow: 'POST' });

    const fault = takeFault(endpoint);
    let lateMs = 0;
    if (fault?.kind === 'reset' && !fault.afterWork) {
      log.status = 0;
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'http' && !fault.afterWork) {
      return send(fault.status, fault.body ?? `<html><body>Error ${fault.status}</body></html>`, {
        'content-type': fault.contentType ?? 'text/html',
        ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
      });
    }
    if (fault?.kind === 'envelope') return send(200, envelope(false, fault.code, fault.message, null));
    if (fault?.kind === 'delay') {
      if (fault.afterWork === false) await sleep(fault.ms);
      else lateMs = fault.ms;
    }

    let text: string;
    try {
      let body: Record<string, unknown>;
      try {
        const parsed = parseLosslessJson(Buffer.concat(chunks).toString('utf8') || '{}');
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        body = parsed as Record<string, unknown>;
      } catch {
        throw new Envelope(FAKE_CODES.BAD_REQUEST, 'The request body is not valid JSON');
      }
      if (name.startsWith('login')) text = envelope(true, 0, '', login(body));
      else {
        if (!authorised(req)) {
          if (options.authFailure === 'http401')
            return send(401, envelope(false, FAKE_CODES.AUTH, 'Authorization has been denied for this request.', null));
          return send(200, envelope(false, FAKE_CODES.AUTH, 'Token is invalid or expired', null));
        }
        if (name.startsWith('getalldata') && noPaging) {
          // One answer of any size, written as produced, with the socket's back-pressure.
          const { parts, served } = getAllDataParts(body);
          const first = parts.next(); // validates the request before anything is sent
          if (lateMs > 0) await sleep(lateMs);
          log.result = true;
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
          let out = `{"Result":true,"Code":0,"Message":"","Data":${first.done ? '' : first.value}`;
          for (const part of parts) {
            out += part;
            if (out.length < 65_536) continue;
            if (res.destroyed) return;
            if (!res.write(out))
              await new Promise<void>((resolve) => {
                const done = () => {
                  res.off('drain', done);
                  res.off('close', done);
                  resolve();
                };
                res.on('drain', done);
                res.on('close', done);
              });
            out = '';
          }
          res.end(`${out}}`);
          getAllDataCalls++;
          for (const hook of [...hooks]) await hook(fake, { call: getAllDataCalls, served });
          return;
        }
        if (name.startsWith('getalldata')) {
          const { data, served } = getAllData(body);
          text = envelope(true, 0, '', null, data);
          getAllDataCalls++;
          for (const hook of [...hooks]) await hook(fake, { call: getAllDataCalls, served });
        } else {
          text = envelope(true, 0, '', saveAllData(body));
        }
      }
    } catch (error) {
      if (!(error instanceof Envelope)) throw error;
      text = envelope(false, error.code, error.message, null);
    }
    if (lateMs > 0) await sleep(lateMs);
    if (fault?.kind === 'reset') {
      // The work is done; the answer is lost.
      log.status = 0;
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'http')
      return send(fault.status, fault.body ?? `<html><body>Error ${fault.status}</body></html>`, {
        'content-type': fault.contentType ?? 'text/html',
        ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
      });
    send(200, text);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  Object.assign(fake, {
    url: `http://127.0.0.1:${port}${basePath}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
  return fake;
}

/** Foreign keys a saved row must point at (new rows must set them). */
const LINKS: Partial<Record<EntityName, Array<[string, EntityName]>>> = {
  Order: [['PersonId', 'Person']],
  OrderDetail: [
    ['OrderId', 'Order'],
    ['ProductDetailId', 'ProductDetail'],
  ],
  Receipt: [['PersonId', 'Person']],
};

function nullsFor(fields: Record<string, FieldType>): FakeRow {
  return Object.fromEntries(Object.keys(fields).map((f) => [f, null]));
}

/**
 * A pushed date as Mahak stores it: an offset-less time is local wall-clock time, kept as given (checked only);
 * one with an offset, or epoch ms, becomes the local time at the server's offset.
 */
function localDate(value: unknown, offsetMs: number): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}(T[\d:.]+)?$/.test(value)) {
    toDate(value); // throws on an invalid date
    return value;
  }
  return dotNetDate(toDate(value).getTime() + offsetMs);
}

function checkInt(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new RangeError(`${JSON.stringify(value)} is not an integer`);
  return value;
}

function checkBool(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new RangeError(`${JSON.stringify(value)} is not a boolean`);
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
