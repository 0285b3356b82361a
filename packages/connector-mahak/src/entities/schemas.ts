import { z } from 'zod';
import { COMMON_FIELDS, ENTITIES, keysOf, type EntityName, type FieldType, type FieldValue } from './catalogue.js';
import { isUnset, toDate, toDecimal, toInt64 } from './scalars.js';

/** The field catalogue of entity `N`: Mahak's field names and their types (what {@link MahakRecord}`.fields` holds). */
export type MahakEntityFields<N extends EntityName> = (typeof ENTITIES)[N]['fields'];

/**
 * A parsed Mahak record of entity `N`: identity and common fields, then the entity's own fields (all nullable, as
 * Mahak sends `null` freely). Unknown fields are kept (the schemas are loose), so nothing is lost on the way to `raw`.
 */
export type MahakRecord<N extends EntityName = EntityName> = {
  /** Mahak's id (`<E>Id`). */
  id: bigint;
  /** The id the creating client chose (`<E>ClientId`). */
  clientId: bigint | null;
  /** The record's code (`<E>Code`) as text. */
  code: string | null;
  rowVersion: bigint;
  deleted: boolean;
  dataHash: string | null;
  createDate: Date | null;
  updateDate: Date | null;
  createSyncId: bigint | null;
  updateSyncId: bigint | null;
  /** The entity's own fields under Mahak's names. */
  fields: {
    [K in keyof MahakEntityFields<N>]: MahakEntityFields<N>[K] extends FieldType
      ? FieldValue<MahakEntityFields<N>[K]> | null
      : never;
  };
  /** The record as received (large numbers and decimals as exact strings). */
  raw: Record<string, unknown>;
};

/** Options of {@link parseMahakRecord}. */
export interface ParseOptions {
  /** Offset of Mahak's server clock for dates sent without one (Iran: 210). Default 0 (UTC). */
  utcOffsetMinutes?: number;
}

function fieldSchema(type: FieldType, utcOffsetMinutes: number): z.ZodType<unknown> {
  const wrap = <T>(convert: (v: unknown) => T) =>
    z.unknown().transform((value, ctx) => {
      if (isUnset(value)) return null;
      try {
        return convert(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });
  switch (type) {
    case 'text':
      return z
        .union([z.string(), z.number().transform(String)])
        .nullish()
        .transform((v) => v ?? null);
    case 'int':
      return z.preprocess(
        (v) => (isUnset(v) ? null : v),
        z
          .number()
          .int()
          .min(-(2 ** 31))
          .max(2 ** 31 - 1)
          .nullish()
          .transform((v) => v ?? null),
      );
    case 'bool':
      return z.preprocess(
        (v) => (isUnset(v) ? null : v),
        z
          .boolean()
          .nullish()
          .transform((v) => v ?? null),
      );
    case 'int64':
      return wrap(toInt64);
    case 'decimal':
      return wrap(toDecimal);
    case 'date':
      return wrap((v) => toDate(v, utcOffsetMinutes));
  }
}

const cache = new Map<string, z.ZodType<MahakRecord>>();

/**
 * The zod schema of entity `name`: validates a record as received (after {@link parseLosslessJson}) and outputs a
 * {@link MahakRecord}. `<E>Id` and `RowVersion` are required; every other field is optional and nullable (an
 * optional non-text field written as `""` or whitespace reads as null, see `isUnset`).
 */
export function recordSchema<N extends EntityName>(name: N, options: ParseOptions = {}): z.ZodType<MahakRecord<N>> {
  const offset = options.utcOffsetMinutes ?? 0;
  const key = `${name}@${offset}`;
  const hit = cache.get(key);
  if (hit) return hit as unknown as z.ZodType<MahakRecord<N>>;
  const k = keysOf(name);
  const own = ENTITIES[name].fields as Record<string, FieldType>;
  const shape: Record<string, z.ZodType<unknown>> = {
    [k.id]: z.unknown().transform((v, ctx) => {
      try {
        return toInt64(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
    [k.clientId]: fieldSchema('int64', offset),
    [k.code]: z
      .union([z.string(), z.number(), z.bigint()])
      .nullish()
      .transform((v) => (v === null || v === undefined ? null : String(v))),
  };
  for (const [field, type] of Object.entries(COMMON_FIELDS)) shape[field] = fieldSchema(type, offset);
  shape.RowVersion = shape[k.id]!;
  for (const [field, type] of Object.entries(own)) shape[field] = fieldSchema(type, offset);
  const schema = z.looseObject(shape).transform((p, ctx): MahakRecord<N> => {
    const fields: Record<string, unknown> = {};
    for (const field of Object.keys(own)) fields[field] = p[field] ?? null;
    void ctx;
    return {
      id: p[k.id] as bigint,
      clientId: (p[k.clientId] as bigint | null) ?? null,
      code: (p[k.code] as string | null) ?? null,
      rowVersion: p.RowVersion as bigint,
      deleted: (p.Deleted as boolean | null) ?? false,
      dataHash: (p.DataHash as string | null) ?? null,
      createDate: (p.CreateDate as Date | null) ?? null,
      updateDate: (p.UpdateDate as Date | null) ?? null,
      createSyncId: (p.CreateSyncId as bigint | null) ?? null,
      updateSyncId: (p.UpdateSyncId as bigint | null) ?? null,
      fields: fields as MahakRecord<N>['fields'],
      raw: {},
    };
  });
  cache.set(key, schema as unknown as z.ZodType<MahakRecord>);
  return schema as unknown as z.ZodType<MahakRecord<N>>;
}

/**
 * Validates one raw record of entity `name`; throws a zod error naming each failing field. The result keeps the
 * record as received in `raw`.
 */
export function parseMahakRecord<N extends EntityName>(
  name: N,
  raw: unknown,
  options: ParseOptions = {},
): MahakRecord<N> {
  const record = recordSchema(name, options).parse(raw);
  record.raw = raw as Record<string, unknown>;
  return record;
}
