import { ENTITIES, keysOf, type EntityName, type FieldType } from '../entities/catalogue.js';
import { JsonNumber, stringifyLosslessJson } from '../json/lossless.js';

/** A row as the fake stores and serves it: Mahak's field names; int64 as bigint, money as {@link JsonNumber}. */
export type FakeRow = Record<string, unknown>;

const BASE_TIME = Date.UTC(2024, 0, 1);

/** A .NET-style local timestamp without offset, as Mahak writes it. */
export function dotNetDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

const DAY_MS = 86_400_000;
const days = new Map<number, string>();
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** {@link dotNetDate} for whole seconds without a `Date` per call: the day's text is cached (a big fake serves fast). */
function fastDotNetDate(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = days.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    days.set(day, prefix);
  }
  const secs = Math.floor((ms - day * DAY_MS) / 1000);
  return `${prefix}${two(Math.floor(secs / 3600))}:${two(Math.floor(secs / 60) % 60)}:${two(secs % 60)}`;
}

/** Deterministic sample values for a generated row (a store's catalogue, customers, orders, ...). */
export function generateRow(entity: EntityName, id: number, rowVersion: bigint): FakeRow {
  const k = keysOf(entity);
  const row: FakeRow = {
    [k.id]: id,
    [k.clientId]: 0,
    [k.code]: 1000 + id,
    Deleted: false,
    DataHash: `h${id.toString(16)}`,
    CreateDate: dotNetDate(BASE_TIME + id * 1000),
    UpdateDate: dotNetDate(BASE_TIME + id * 1000),
    CreateSyncId: 1,
    UpdateSyncId: 1,
    RowVersion: rowVersion,
  };
  const fields = ENTITIES[entity].fields as Record<string, FieldType>;
  for (const [name, type] of Object.entries(fields)) row[name] = sampleValue(name, type, id);
  return row;
}

const templates = new Map<EntityName, (id: number, rowVersion: bigint) => string>();

/**
 * The JSON text of {@link generateRow}'s row, written directly (a million-row fake serves pages fast enough this
 * way); the same text `stringifyLosslessJson(generateRow(...))` gives.
 */
export function generateRowJson(entity: EntityName, id: number, rowVersion: bigint): string {
  let template = templates.get(entity);
  if (!template) {
    const k = keysOf(entity);
    const fields = Object.entries(ENTITIES[entity].fields as Record<string, FieldType>);
    const writers = fields.map(([name, type]): ((id: number) => string) => {
      const key = `,${JSON.stringify(name)}:`;
      // Each type written directly (the same text as stringifyLosslessJson(sampleValue(...)), checked by the tests):
      // the fake shares the bench's CPU with the sync, so it should cost little.
      switch (type) {
        case 'decimal':
          return (i) => `${key}${(i * 7919) % 10_000_000}.${i % 100 < 10 ? '0' : ''}${i % 100}`;
        // Generated text is a field name, digits, "@example.com": nothing JSON must escape (the test compares).
        case 'text':
          return (i) => `${key}"${sampleValue(name, type, i) as string}"`;
        case 'int':
          return (i) => `${key}${i % 3}`;
        case 'int64':
          return (i) => `${key}${1 + (i % 50)}`;
        case 'bool':
          return (i) => `${key}${i % 2 === 0}`;
        case 'date':
          return (i) => `${key}"${fastDotNetDate(BASE_TIME + i * 60_000)}"`;
        default:
          throw new TypeError(`no writer for field type ${String(type)}`);
      }
    });
    const head = (i: number, rv: bigint) => {
      const date = fastDotNetDate(BASE_TIME + i * 1000);
      return `{"${k.id}":${i},"${k.clientId}":0,"${k.code}":${1000 + i},"Deleted":false,"DataHash":"h${i.toString(16)}","CreateDate":"${date}","UpdateDate":"${date}","CreateSyncId":1,"UpdateSyncId":1,"RowVersion":${rv}`;
    };
    template = (i, rv) => {
      let out = head(i, rv);
      for (const w of writers) out += w(i);
      return `${out}}`;
    };
    templates.set(entity, template);
  }
  return template(id, rowVersion);
}

function sampleValue(name: string, type: FieldType, id: number): unknown {
  switch (type) {
    case 'text':
      return name === 'Email'
        ? `user${id}@example.com`
        : name === 'Mobile'
          ? `0912${String(id % 10_000_000).padStart(7, '0')}`
          : `${name} ${id}`;
    case 'int':
      return id % 3;
    case 'int64':
      return 1 + (id % 50);
    case 'decimal':
      return new JsonNumber(`${(id * 7919) % 10_000_000}.${String(id % 100).padStart(2, '0')}`);
    case 'bool':
      return id % 2 === 0;
    case 'date':
      return dotNetDate(BASE_TIME + id * 60_000);
  }
}

/**
 * One entity's rows with an append-only change log ordered by RowVersion. Seeded rows are generated on demand
 * from their id (so a million-row fake stays small); a row is materialised the first time it changes. A log entry
 * is current when it carries the row's present RowVersion; older entries of a changed row are skipped.
 */
export class FakeTable {
  readonly entity: EntityName;
  private readonly rows = new Map<number, FakeRow>();
  private readonly byClientId = new Map<bigint, number>();
  private logRv = new BigInt64Array(1024);
  private logId = new Float64Array(1024);
  private logLength = 0;
  /** Ids `1..seeded` exist without being materialised unless in `rows`. */
  private seeded = 0;
  private nextId = 1;
  private readonly write: (row: FakeRow) => string;

  /** `unset`: how a null field is written when served (`null`, or `""` as some Mahak sources do). */
  constructor(entity: EntityName, unset: 'null' | 'empty-string' = 'null') {
    this.entity = entity;
    this.write =
      unset === 'null'
        ? stringifyLosslessJson
        : (row) => stringifyLosslessJson(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v ?? ''])));
  }

  private append(rv: bigint, id: number): void {
    if (this.logLength === this.logRv.length) {
      const rv2 = new BigInt64Array(this.logRv.length * 2);
      rv2.set(this.logRv);
      this.logRv = rv2;
      const id2 = new Float64Array(this.logId.length * 2);
      id2.set(this.logId);
      this.logId = id2;
    }
    const last = this.logLength - 1;
    if (last >= 0 && this.logRv[last] === rv && this.logId[last] === id) return;
    this.logRv[this.logLength] = rv;
    this.logId[this.logLength] = id;
    this.logLength++;
  }

  /** Creates `count` generated rows; `versionFor(i)` stamps row `i` (0-based). Only valid before other inserts. */
  seed(count: number, versionFor: (i: number) => bigint): void {
    if (this.nextId !== 1) throw new Error('seed() must come before any other insert');
    for (let i = 0; i < count; i++) this.append(versionFor(i), i + 1);
    this.seeded = count;
    this.nextId = count + 1;
  }

  /** Allocates the next id. */
  allocateId(): number {
    return this.nextId++;
  }

  /** The row with `id` (deleted rows included), or undefined. */
  get(id: number): FakeRow | undefined {
    const row = this.rows.get(id);
    if (row) return row;
    if (id >= 1 && id <= this.seeded) return this.materialise(id);
    return undefined;
  }

  private materialise(id: number): FakeRow {
    // A seeded row has exactly one log entry, at index id - 1.
    const row = generateRow(this.entity, id, this.logRv[id - 1]!);
    this.rows.set(id, row);
    return row;
  }

  /** Stores `row` (already stamped with its new RowVersion) and logs the change. */
  put(id: number, row: FakeRow): void {
    this.rows.set(id, row);
    const clientId = row[keysOf(this.entity).clientId];
    if (typeof clientId === 'bigint' && clientId !== 0n) this.byClientId.set(clientId, id);
    this.append(row.RowVersion as bigint, id);
  }

  /** Id of the row created with `clientId`, if any. */
  idForClientId(clientId: bigint): number | undefined {
    return this.byClientId.get(clientId);
  }

  private currentVersion(id: number): bigint | undefined {
    const row = this.rows.get(id);
    if (row) return row.RowVersion as bigint;
    return id <= this.seeded ? this.logRv[id - 1] : undefined;
  }

  /**
   * JSON texts of the rows with RowVersion > `from` in (RowVersion, log) order: at most `limit` of them, or — `safe` —
   * more, so a page never ends inside a group of equal RowVersions.
   */
  page(from: bigint, limit: number, safe: boolean, filter?: (row: FakeRow) => boolean): string[] {
    return [...this.rowsAfter(from, limit, safe, filter)];
  }

  /** {@link page} as a generator: the texts one by one, so a fake answering a whole entity never holds it all. */
  *rowsAfter(from: bigint, limit: number, safe: boolean, filter?: (row: FakeRow) => boolean): Generator<string> {
    let lo = 0;
    let hi = this.logLength;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.logRv[mid]! <= from) lo = mid + 1;
      else hi = mid;
    }
    let count = 0;
    let lastRv: bigint | undefined;
    for (let i = lo; i < this.logLength; i++) {
      const rv = this.logRv[i]!;
      const id = this.logId[i]!;
      if (this.currentVersion(id) !== rv) continue;
      if (count >= limit && !(safe && rv === lastRv)) break;
      const row = this.rows.get(id);
      if (filter && !filter(row ?? generateRow(this.entity, id, rv))) continue;
      count++;
      yield row ? this.write(row) : generateRowJson(this.entity, id, rv);
      lastRv = rv;
    }
  }

  /** Every row, deleted ones included, by id. */
  *all(): IterableIterator<FakeRow> {
    for (let id = 1; id < this.nextId; id++) {
      const row =
        this.rows.get(id) ?? (id <= this.seeded ? generateRow(this.entity, id, this.logRv[id - 1]!) : undefined);
      if (row) yield row;
    }
  }

  /** Number of rows, deleted ones included. */
  get size(): number {
    let n = this.seeded;
    for (const id of this.rows.keys()) if (id > this.seeded) n++;
    return n;
  }
}
