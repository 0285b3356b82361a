import type { DeadLetter } from './types.js';

/** One dead letter as a row of {@link deadLetterRecordset}: the columns every dead-letter table shares. */
export interface DeadLetterRow {
  source: string;
  entity: string;
  record_id: string;
  version: string;
  reason: string;
  code: string | null;
  raw: unknown;
  at: string;
}

/**
 * A batch of dead letters as one JSON parameter for `jsonb_to_recordset` (plain text parameters work the same on pg
 * and PGlite). One row per (source, entity, record id, version) — a key repeated within the batch keeps its last
 * entry, since one upsert may not touch a row twice. Bigints are written as decimal strings; NUL characters and lone
 * surrogates, which jsonb refuses and which would fail the whole batch, become U+FFFD (a dead letter's `raw` is a
 * record that already failed: kept readable rather than exact).
 */
export function deadLetterRecordset(entries: ReadonlyArray<DeadLetter<unknown>>): string {
  const byKey = new Map<string, DeadLetter<unknown>>();
  for (const e of entries) byKey.set(JSON.stringify([e.source, e.entity, String(e.id), String(e.version)]), e);
  const rows: DeadLetterRow[] = [...byKey.values()].map((e) => ({
    source: e.source,
    entity: e.entity,
    record_id: String(e.id),
    version: String(e.version),
    reason: e.reason,
    code: e.code ?? null,
    raw: e.raw ?? null,
    at: e.at.toISOString(),
  }));
  return JSON.stringify(rows, (_key, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? storable(v) : v,
  );
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one (code units: no `u` flag).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const storable = (text: string): string => text.replaceAll('\u0000', '\ufffd').replace(LONE_SURROGATE, '\ufffd');
