import { ENTITIES, snakeCase, type EntityName, type FieldType } from '../entities/catalogue.js';
import { ValidationError } from '@relaykit/sdk-core';
import type { MahakRecord, ParseOptions } from '../entities/schemas.js';
import { isUnset, toDate, toDecimal, toInt64 } from '../entities/scalars.js';

/** PostgreSQL type of each Mahak field type. */
export const PG_TYPES: Record<FieldType, string> = {
  text: 'text',
  int: 'integer',
  int64: 'bigint',
  decimal: 'numeric',
  bool: 'boolean',
  date: 'timestamptz',
};

/** One column of an entity's local table. */
export interface LocalColumn {
  /** Column name in the local model (snake_case). */
  column: string;
  /** Where it comes from in the Mahak record. */
  source: string;
  type: FieldType;
  /** PostgreSQL type. */
  pgType: string;
}

/** Columns every entity table has, before the entity's own. `raw`, `deleted_at` and `synced_at` follow them. */
const IDENTITY_COLUMNS = (name: EntityName): LocalColumn[] => [
  { column: 'mahak_id', source: `${name}Id`, type: 'int64', pgType: 'bigint' },
  { column: 'client_id', source: `${name}ClientId`, type: 'int64', pgType: 'bigint' },
  { column: 'code', source: `${name}Code`, type: 'text', pgType: 'text' },
  { column: 'row_version', source: 'RowVersion', type: 'int64', pgType: 'bigint' },
  { column: 'data_hash', source: 'DataHash', type: 'text', pgType: 'text' },
  { column: 'created_at', source: 'CreateDate', type: 'date', pgType: 'timestamptz' },
  { column: 'updated_at', source: 'UpdateDate', type: 'date', pgType: 'timestamptz' },
];

const columnCache = new Map<EntityName, LocalColumn[]>();

/** The typed columns of entity `name`'s local table, in table order (the data transformer's mapping). */
export function columnsOf(name: EntityName): LocalColumn[] {
  let cols = columnCache.get(name);
  if (!cols) {
    const own = Object.entries(ENTITIES[name].fields as Record<string, FieldType>).map(([source, type]) => ({
      column: snakeCase(source),
      source,
      type,
      pgType: PG_TYPES[type],
    }));
    cols = [...IDENTITY_COLUMNS(name), ...own];
    columnCache.set(name, cols);
  }
  return cols;
}

/**
 * A record in the store's local model: typed columns by local name (bigints for int64, exact decimal strings for
 * money, `Date`s), plus `raw`, the record as Mahak sent it.
 */
export interface LocalRow {
  mahak_id: bigint;
  row_version: bigint;
  raw: Record<string, unknown>;
  [column: string]: unknown;
}

/** Maps a parsed record to the local model (see the mapping table in the README). */
export function toLocalRow<N extends EntityName>(name: N, record: MahakRecord<N>): LocalRow {
  const row: LocalRow = {
    mahak_id: record.id,
    client_id: record.clientId,
    code: record.code,
    row_version: record.rowVersion,
    data_hash: record.dataHash,
    created_at: record.createDate,
    updated_at: record.updateDate,
    raw: record.raw,
  };
  const fields = record.fields as Record<string, unknown>;
  for (const col of columnsOf(name).slice(7)) row[col.column] = fields[col.source] ?? null;
  return row;
}

type Converter = (value: unknown) => unknown;

/** An optional field's converter: `""` and whitespace mean unset (see `isUnset`). */
const optional =
  (convert: Converter): Converter =>
  (v) =>
    typeof v === 'string' && isUnset(v) ? null : convert(v);

function converter(type: FieldType, utcOffsetMinutes: number): Converter {
  switch (type) {
    case 'text':
      return (v) => {
        if (typeof v === 'string') return v;
        if (typeof v === 'number') return String(v);
        throw new RangeError(`${JSON.stringify(v)} is not a text`);
      };
    case 'int':
      return (v) => {
        if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return v;
        throw new RangeError(`${JSON.stringify(v)} is not a 32-bit integer`);
      };
    case 'bool':
      return (v) => {
        if (typeof v === 'boolean') return v;
        throw new RangeError(`${JSON.stringify(v)} is not a boolean`);
      };
    case 'int64':
      return toInt64;
    case 'decimal':
      return toDecimal;
    case 'date':
      return (v) => toDate(v, utcOffsetMinutes);
  }
}

const CODE: Converter = (v) => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new RangeError(`${JSON.stringify(v)} is not a code`);
};

type Compiled = (raw: unknown) => LocalRow;
const compiled = new Map<string, Compiled>();

/** The `ValidationError` of a malformed record, naming each bad field. */
function invalid(name: EntityName, issues: Array<{ path: string[]; message: string }>): ValidationError {
  return new ValidationError(
    `Invalid Mahak ${name} record: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    issues,
  );
}

/**
 * Builds the transformer of one entity: the mapping table compiled into one straight-line function (generated
 * source, no loop, no dynamic keys), which builds each row as a single object literal — so every row of an entity
 * shares one hidden class and a million rows cost little. Same rules as {@link recordSchema} (the documented zod
 * form); the test suite checks that both agree on every entity.
 */
function compile(name: EntityName, utcOffsetMinutes: number): Compiled {
  const steps = columnsOf(name).map((c) => {
    const required = c.column === 'mahak_id' || c.column === 'row_version';
    const base = c.column === 'code' ? CODE : converter(c.type, utcOffsetMinutes);
    // Text keeps "" as written (an empty name is a value); every other optional field reads a blank as unset.
    return {
      column: c.column,
      source: c.source,
      convert: required || c.type === 'text' ? base : optional(base),
      required,
      text: c.type === 'text' && c.column !== 'code',
    };
  });
  const extra = [
    { source: 'Deleted', convert: optional(converter('bool', 0)) },
    { source: 'CreateSyncId', convert: optional(converter('int64', 0)) },
    { source: 'UpdateSyncId', convert: optional(converter('int64', 0)) },
  ];
  const q = JSON.stringify;
  const body: string[] = [
    'if (typeof r !== "object" || r === null || Array.isArray(r)) throw notObject();',
    'let issues;',
  ];
  steps.forEach((step, i) => {
    body.push(`let c${i} = r[${q(step.source)}];`);
    const missing = step.required
      ? `(issues ??= []).push({ path: [${q(step.source)}], message: "required" }); c${i} = null;`
      : `c${i} = null;`;
    const convert = `try { c${i} = conv[${i}](c${i}); } catch (e) { (issues ??= []).push({ path: [${q(step.source)}], message: e.message }); }`;
    // Text is by far the most common field: skip the call when it already is a string.
    body.push(
      `if (c${i} === null || c${i} === undefined) { ${missing} } else ${step.text ? `if (typeof c${i} !== "string") ` : ''}{ ${convert} }`,
    );
  });
  extra.forEach((step, i) => {
    body.push(
      `{ const v = r[${q(step.source)}]; if (v !== null && v !== undefined) try { extra[${i}](v); } catch (e) { (issues ??= []).push({ path: [${q(step.source)}], message: e.message }); } }`,
    );
  });
  body.push('if (issues) throw invalid(issues);');
  body.push(`return { ${steps.map((step, i) => `${q(step.column)}: c${i}`).join(', ')}, raw: r };`);
  // new Function is deliberate: generated from the entity catalogue, not from input
  const factory = new Function(
    'conv',
    'extra',
    'invalid',
    'notObject',
    `return function transform${name}(r) {\n${body.join('\n')}\n};`,
  ) as (
    conv: Converter[],
    extra: Converter[],
    invalid: (issues: Array<{ path: string[]; message: string }>) => Error,
    notObject: () => Error,
  ) => Compiled;
  return factory(
    steps.map((s) => s.convert),
    extra.map((s) => s.convert),
    (issues) => invalid(name, issues),
    () => new ValidationError(`${name} record is not an object`, [{ path: [], message: 'not an object' }]),
  );
}

/**
 * The data transformer: validates a raw Mahak record of entity `name` and maps it to a {@link LocalRow} (see the
 * mapping table in the README). Throws a `ValidationError` naming each bad field for a malformed record, which the
 * sync dead-letters. Same rules as {@link parseMahakRecord} + {@link toLocalRow}.
 */
export function transformRecord(name: EntityName, raw: unknown, options: ParseOptions = {}): LocalRow {
  const offset = options.utcOffsetMinutes ?? 0;
  const key = `${name}@${offset}`;
  let fn = compiled.get(key);
  if (!fn) {
    fn = compile(name, offset);
    compiled.set(key, fn);
  }
  return fn(raw);
}
