import type { StoredRecord } from './store.js';

/** A parsed query in the subset the fake org understands. */
export interface ParsedQuery {
  fields: string[];
  object: string;
  where: Condition[];
  orderBy?: { field: string; descending: boolean } | undefined;
  limit?: number | undefined;
  count: boolean;
}

type Condition =
  | { field: string; op: '=' | '!=' | 'LIKE'; value: string | number | boolean | null }
  | { field: string; op: 'IN' | 'NOT IN'; values: Array<string | number> };

/** Thrown for SOQL outside the subset or malformed; the server answers 400 `MALFORMED_QUERY`. */
export class SoqlError extends Error {}

/**
 * Parses `SELECT f1, f2 FROM Obj [WHERE a = 'x' [AND b IN ('y','z')]] [ORDER BY f [ASC|DESC]] [LIMIT n]`
 * and `SELECT COUNT() FROM Obj ...`.
 */
export function parseSoql(soql: string): ParsedQuery {
  const m =
    /^\s*SELECT\s+(.+?)\s+FROM\s+([A-Za-z0-9_]+)(?:\s+WHERE\s+(.+?))?(?:\s+ORDER\s+BY\s+([A-Za-z0-9_.]+)(?:\s+(ASC|DESC))?)?(?:\s+LIMIT\s+(\d+))?\s*$/is.exec(
      soql,
    );
  if (!m) throw new SoqlError(`unexpected token in query: ${soql.slice(0, 80)}`);
  const [, fieldList, object, whereText, orderField, direction, limit] = m;
  const count = /^COUNT\(\s*\)$/i.test(fieldList!.trim());
  const fields = count
    ? []
    : fieldList!
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean);
  if (!count && fields.length === 0) throw new SoqlError('no fields selected');
  return {
    fields,
    object: object!,
    where: whereText ? parseWhere(whereText) : [],
    orderBy: orderField ? { field: orderField, descending: direction?.toUpperCase() === 'DESC' } : undefined,
    limit: limit ? Number(limit) : undefined,
    count,
  };
}

function parseWhere(text: string): Condition[] {
  return splitAnd(text).map((part) => {
    const inMatch = /^([A-Za-z0-9_.]+)\s+(NOT\s+IN|IN)\s*\((.*)\)$/is.exec(part);
    if (inMatch) {
      const values = splitList(inMatch[3]!)
        .map(literal)
        .filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
      return { field: inMatch[1]!, op: /NOT/i.test(inMatch[2]!) ? 'NOT IN' : 'IN', values };
    }
    const cmp = /^([A-Za-z0-9_.]+)\s*(=|!=|<>|LIKE)\s*(.+)$/is.exec(part);
    if (!cmp) throw new SoqlError(`unexpected condition: ${part}`);
    const op = cmp[2]!.toUpperCase() === 'LIKE' ? 'LIKE' : cmp[2] === '=' ? '=' : '!=';
    return { field: cmp[1]!, op, value: literal(cmp[3]!) };
  });
}

function splitAnd(text: string): string[] {
  const parts: string[] = [];
  let depth = 0,
    quoted = false,
    start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted) {
      i++;
      continue;
    }
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && /^\sAND\s/i.test(text.slice(i, i + 5))) {
      parts.push(text.slice(start, i).trim());
      start = i + 5;
      i += 4;
    } else if (!quoted && depth === 0 && /^\sOR\s/i.test(text.slice(i, i + 4))) {
      throw new SoqlError("OR is outside the fake org's SOQL subset");
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

function splitList(text: string): string[] {
  const out: string[] = [];
  let quoted = false,
    start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && quoted) {
      i++;
      continue;
    }
    if (text[i] === "'") quoted = !quoted;
    else if (text[i] === ',' && !quoted) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.filter(Boolean);
}

function literal(raw: string): string | number | boolean | null {
  const t = raw.trim();
  if (t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replace(/\\(.)/g, '$1');
  if (/^null$/i.test(t)) return null;
  if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  throw new SoqlError(`unexpected literal: ${t}`);
}

/** Reads `field` of a record, case-insensitively (SOQL field names are). */
export function fieldValue(record: Record<string, unknown>, field: string): unknown {
  if (field in record) return record[field];
  const lower = field.toLowerCase();
  for (const [k, v] of Object.entries(record)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Applies WHERE, ORDER BY and LIMIT to `records`. */
export function runSoql(query: ParsedQuery, records: StoredRecord[]): StoredRecord[] {
  let rows = records.filter((r) => query.where.every((c) => matches(r, c)));
  if (query.orderBy) {
    const { field, descending } = query.orderBy;
    rows = [...rows].sort((a, b) => {
      const x = fieldValue(a, field),
        y = fieldValue(b, field);
      const cmp =
        x === y
          ? 0
          : x === undefined || x === null
            ? -1
            : y === undefined || y === null
              ? 1
              : String(x) < String(y)
                ? -1
                : 1;
      return descending ? -cmp : cmp;
    });
  }
  return query.limit !== undefined ? rows.slice(0, query.limit) : rows;
}

function matches(record: StoredRecord, c: Condition): boolean {
  const v = fieldValue(record, c.field);
  const norm = v === undefined ? null : v;
  switch (c.op) {
    case '=':
      return c.value === null ? norm === null : norm !== null && String(norm) === String(c.value);
    case '!=':
      return c.value === null ? norm !== null : norm === null || String(norm) !== String(c.value);
    case 'LIKE': {
      const pattern = new RegExp(
        `^${String(c.value)
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*')
          .replace(/_/g, '.')}$`,
        'i',
      );
      return norm !== null && pattern.test(String(norm));
    }
    case 'IN':
      return norm !== null && c.values.some((x) => String(x) === String(norm));
    case 'NOT IN':
      return norm === null || !c.values.some((x) => String(x) === String(norm));
  }
}

/** Projects a record onto the selected fields, with Salesforce's `attributes`. */
export function project(
  record: StoredRecord,
  object: string,
  fields: string[],
  version: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: object, url: `/services/data/v${version}/sobjects/${object}/${record.Id}` },
  };
  for (const f of fields) {
    const v = fieldValue(record, f);
    out[f] = v === undefined ? null : v;
  }
  return out;
}
