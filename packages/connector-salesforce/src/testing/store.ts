import type { LedgerChannel, LedgerEntry, LedgerOperation } from './types.js';

/** A stored record: field values plus `Id`. */
export type StoredRecord = Record<string, unknown> & { Id: string };

/** A per-record error in Salesforce's collection shape. */
export interface RecordError {
  statusCode: string;
  message: string;
  fields: string[];
}

const KEY_PREFIXES: Record<string, string> = {
  Account: '001',
  Contact: '003',
  Lead: '00Q',
  Opportunity: '006',
  Case: '500',
  Task: '00T',
};

/** Ledger of every committed write, so tests can assert each record was written exactly once. */
export class FakeOrgLedger {
  readonly entries: LedgerEntry[] = [];

  /** @internal */
  record(entry: Omit<LedgerEntry, 'seq'>): void {
    this.entries.push({ seq: this.entries.length + 1, ...entry });
  }

  /** Writes to `object` (all kinds), optionally only of `operation`. */
  writes(object?: string, operation?: LedgerOperation): LedgerEntry[] {
    return this.entries.filter(
      (e) => (object === undefined || e.object === object) && (operation === undefined || e.operation === operation),
    );
  }

  /** How many writes each record id of `object` received. */
  countsById(object: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const e of this.writes(object)) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
    return counts;
  }

  /** How many writes each external-id value of `object` received (upserts only). */
  countsByExternalId(object: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const e of this.writes(object)) {
      if (e.externalId === undefined) continue;
      const value = e.externalId.slice(e.externalId.indexOf('=') + 1);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    return counts;
  }

  /** Writes per channel (`upsert`, `collections`, `bulk`, ...). */
  countsByChannel(): Record<LedgerChannel, number> {
    const out: Record<LedgerChannel, number> = { sobject: 0, upsert: 0, collections: 0, composite: 0, bulk: 0 };
    for (const e of this.entries) out[e.channel]++;
    return out;
  }

  clear(): void {
    this.entries.length = 0;
  }
}

/** Planned write: either an error for the record or a commit that applies it. */
export type Planned<T> = { ok: false; error: RecordError } | { ok: true; commit: () => T };

/** The org's data: records per sObject, external-id indexes, the recycle bin and the write ledger. */
/** `table[key]` when the table itself holds it: an object named `constructor` or `__proto__` is not a built-in. */
function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export class OrgStore {
  readonly ledger = new FakeOrgLedger();
  private readonly objects = new Map<string, Map<string, StoredRecord>>();
  private readonly indexes = new Map<string, Map<string, Map<string, Set<string>>>>();
  private idCounter = 0;
  private lockFaults = new Map<string, number>();
  /** Undo log of the open transaction (composite allOrNone): previous value per `object/id`. */
  private undo: Map<string, { object: string; id: string; previous: StoredRecord | undefined }> | undefined;
  private undoLedgerLength = 0;

  constructor(
    private readonly externalIdFields: Record<string, ReadonlyArray<string>>,
    private readonly requiredFields: Record<string, ReadonlyArray<string>>,
  ) {}

  /** Arms `UNABLE_TO_LOCK_ROW` for these external-id values, `times` each. */
  setLockFaults(values: ReadonlyArray<string>, times: number): void {
    this.lockFaults = new Map(values.map((v) => [v, times]));
  }

  newId(object: string): string {
    const prefix = own(KEY_PREFIXES, object) ?? 'a0F';
    return `${prefix}Fk${(++this.idCounter).toString(36).padStart(13, '0')}`;
  }

  table(object: string): Map<string, StoredRecord> {
    let t = this.objects.get(object);
    if (!t) this.objects.set(object, (t = new Map()));
    return t;
  }

  /** Every live (not deleted) record of `object`, or with `includeDeleted` the recycle bin too. */
  all(object: string, includeDeleted = false): StoredRecord[] {
    return [...this.table(object).values()].filter((r) => includeDeleted || r.IsDeleted !== true);
  }

  get(object: string, id: string): StoredRecord | undefined {
    const r = this.table(object).get(id);
    return r && r.IsDeleted !== true ? r : undefined;
  }

  /** Finds the object type an id belongs to. */
  objectOf(id: string): string | undefined {
    for (const [name, t] of this.objects) if (t.has(id) && t.get(id)!.IsDeleted !== true) return name;
    return undefined;
  }

  isExternalIdField(object: string, field: string): boolean {
    if (field === 'Id') return true;
    const configured = own(this.externalIdFields, object);
    if (configured) return configured.some((f) => f.toLowerCase() === field.toLowerCase());
    return field.endsWith('__c');
  }

  /** Canonical spelling of an external-id field (Salesforce matches field names case-insensitively). */
  canonicalField(object: string, field: string): string {
    return own(this.externalIdFields, object)?.find((f) => f.toLowerCase() === field.toLowerCase()) ?? field;
  }

  /** Ids of live records whose `field` equals `value`. */
  match(object: string, field: string, value: string): string[] {
    if (field === 'Id') return this.get(object, value) ? [this.get(object, value)!.Id] : [];
    const idx = this.index(object, field);
    return [...(idx.get(value) ?? [])];
  }

  /**
   * Inserts records directly (no ledger, no validation): test set-up, including duplicates for 300s. A record's own
   * `Id` is kept (generated ids never take that form: they carry `Fk` after the key prefix), else one is made.
   */
  seed(object: string, records: ReadonlyArray<Record<string, unknown>>): StoredRecord[] {
    return records.map((r) => this.put(object, { ...r, Id: typeof r.Id === 'string' ? r.Id : this.newId(object) }));
  }

  /** Consumes one armed lock fault for `value`; true when the write must fail. */
  takeLockFault(value: string | undefined): boolean {
    if (value === undefined) return false;
    const left = this.lockFaults.get(value);
    if (!left) return false;
    this.lockFaults.set(value, left - 1);
    return true;
  }

  planCreate(object: string, fields: Record<string, unknown>, channel: LedgerChannel): Planned<StoredRecord> {
    const error = this.validate(object, fields, true);
    if (error) return { ok: false, error };
    const lockValue = this.lockValueOf(object, fields);
    if (this.takeLockFault(lockValue)) return { ok: false, error: lockError() };
    return {
      ok: true,
      commit: () => {
        const rec = this.put(object, { ...fields, Id: this.newId(object) });
        this.ledger.record({ object, id: rec.Id, operation: 'create', channel, externalId: undefined });
        return rec;
      },
    };
  }

  planUpdate(
    object: string,
    id: string,
    fields: Record<string, unknown>,
    channel: LedgerChannel,
  ): Planned<StoredRecord> {
    const existing = this.get(object, id);
    if (!existing)
      return {
        ok: false,
        error: {
          statusCode: looksLikeId(id) ? 'ENTITY_IS_DELETED' : 'MALFORMED_ID',
          message: looksLikeId(id) ? 'entity is deleted' : `${object} ID: id value of incorrect type: ${id}`,
          fields: [],
        },
      };
    const error = this.validate(object, fields, false);
    if (error) return { ok: false, error };
    if (this.takeLockFault(this.lockValueOf(object, { ...existing, ...fields })))
      return { ok: false, error: lockError(existing.Id) };
    return {
      ok: true,
      commit: () => {
        const rec = this.put(object, { ...existing, ...fields, Id: existing.Id });
        this.ledger.record({ object, id: rec.Id, operation: 'update', channel, externalId: undefined });
        return rec;
      },
    };
  }

  /**
   * Plans an upsert by `field` = `value`. Ok results carry whether it created the record; several
   * matches give `MULTIPLE_CHOICES` with the matching ids in `matches`.
   */
  planUpsert(
    object: string,
    field: string,
    value: string,
    fields: Record<string, unknown>,
    channel: LedgerChannel,
  ): Planned<{ record: StoredRecord; created: boolean }> & { matches?: string[] } {
    const matches = this.match(object, field, value);
    if (matches.length > 1)
      return {
        ok: false,
        error: {
          statusCode: 'MULTIPLE_CHOICES',
          message: `Multiple records found for ${field}=${value}`,
          fields: [field],
        },
        matches,
      };
    const existing = matches[0] ? this.get(object, matches[0]) : undefined;
    const error = this.validate(object, fields, existing === undefined);
    if (error) return { ok: false, error };
    if (this.takeLockFault(value)) return { ok: false, error: lockError(existing?.Id) };
    return {
      ok: true,
      commit: () => {
        const rec = existing
          ? this.put(object, { ...existing, ...fields, [field]: existing[field], Id: existing.Id })
          : this.put(object, { ...fields, ...(field === 'Id' ? {} : { [field]: value }), Id: this.newId(object) });
        this.ledger.record({
          object,
          id: rec.Id,
          operation: existing ? 'update' : 'create',
          channel,
          externalId: `${field}=${value}`,
        });
        return { record: rec, created: existing === undefined };
      },
    };
  }

  planDelete(id: string, channel: LedgerChannel, object?: string): Planned<string> {
    const type = object ?? this.objectOf(id);
    const existing = type ? this.get(type, id) : undefined;
    if (!type || !existing)
      return {
        ok: false,
        error: {
          statusCode: looksLikeId(id) ? 'ENTITY_IS_DELETED' : 'MALFORMED_ID',
          message: looksLikeId(id) ? 'entity is deleted' : `malformed id ${id}`,
          fields: [],
        },
      };
    if (this.takeLockFault(this.lockValueOf(type, existing))) return { ok: false, error: lockError(existing.Id) };
    return {
      ok: true,
      commit: () => {
        this.put(type, { ...existing, IsDeleted: true });
        this.ledger.record({ object: type, id: existing.Id, operation: 'delete', channel, externalId: undefined });
        return existing.Id;
      },
    };
  }

  private validate(object: string, fields: Record<string, unknown>, creating: boolean): RecordError | undefined {
    for (const key of Object.keys(fields)) {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key))
        return {
          statusCode: 'INVALID_FIELD',
          message: `No such column '${key}' on sobject of type ${object}`,
          fields: [key],
        };
    }
    if (!creating) return undefined;
    const missing = (own(this.requiredFields, object) ?? []).filter(
      (f) => fields[f] === undefined || fields[f] === null || fields[f] === '',
    );
    if (missing.length)
      return {
        statusCode: 'REQUIRED_FIELD_MISSING',
        message: `Required fields are missing: [${missing.join(', ')}]`,
        fields: missing,
      };
    return undefined;
  }

  /** The external-id value a lock fault is keyed by: the first external-id field the record carries. */
  private lockValueOf(object: string, fields: Record<string, unknown>): string | undefined {
    for (const [k, v] of Object.entries(fields))
      if (k !== 'Id' && this.isExternalIdField(object, k) && v !== undefined && v !== null) return String(v);
    return undefined;
  }

  /** Starts recording an undo log, so {@link rollback} can restore every write since. */
  begin(): void {
    this.undo = new Map();
    this.undoLedgerLength = this.ledger.entries.length;
  }

  /** Keeps the writes made since {@link begin}. */
  commitTransaction(): void {
    this.undo = undefined;
  }

  /** Restores every record written since {@link begin} and drops their ledger entries. */
  rollback(): void {
    const undo = this.undo;
    this.undo = undefined;
    if (!undo) return;
    for (const { object, id, previous } of [...undo.values()].reverse()) {
      if (previous) this.put(object, previous);
      else {
        const current = this.table(object).get(id);
        if (current) this.put(object, { ...current, IsDeleted: true });
        this.table(object).delete(id);
      }
    }
    this.ledger.entries.length = this.undoLedgerLength;
  }

  private put(object: string, record: StoredRecord): StoredRecord {
    const table = this.table(object);
    const previous = table.get(record.Id);
    if (this.undo && !this.undo.has(`${object}/${record.Id}`))
      this.undo.set(`${object}/${record.Id}`, { object, id: record.Id, previous });
    const now = new Date().toISOString().replace('Z', '+0000');
    const rec: StoredRecord = {
      ...record,
      CreatedDate: previous?.CreatedDate ?? record.CreatedDate ?? now,
      LastModifiedDate: now,
      SystemModstamp: now,
    };
    table.set(rec.Id, rec);
    const objectIndexes = this.indexes.get(object);
    if (objectIndexes) {
      for (const [field, idx] of objectIndexes) {
        const before = previous && previous.IsDeleted !== true ? previous[field] : undefined;
        const after = rec.IsDeleted !== true ? rec[field] : undefined;
        if (before !== undefined && before !== null) idx.get(String(before))?.delete(rec.Id);
        if (after !== undefined && after !== null) {
          let set = idx.get(String(after));
          if (!set) idx.set(String(after), (set = new Set()));
          set.add(rec.Id);
        }
      }
    }
    return rec;
  }

  private index(object: string, field: string): Map<string, Set<string>> {
    let objectIndexes = this.indexes.get(object);
    if (!objectIndexes) this.indexes.set(object, (objectIndexes = new Map()));
    let idx = objectIndexes.get(field);
    if (!idx) {
      idx = new Map();
      for (const r of this.all(object)) {
        const v = r[field];
        if (v === undefined || v === null) continue;
        let set = idx.get(String(v));
        if (!set) idx.set(String(v), (set = new Set()));
        set.add(r.Id);
      }
      objectIndexes.set(field, idx);
    }
    return idx;
  }
}

function lockError(id?: string): RecordError {
  return {
    statusCode: 'UNABLE_TO_LOCK_ROW',
    message: `unable to obtain exclusive access to this record or 1 records: ${id ?? 'pending'}`,
    fields: [],
  };
}

function looksLikeId(id: string): boolean {
  return /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(id);
}
