// The JSON text each record arrived as, for sinks that store `raw` as jsonb: writing the received text keeps every
// number exactly as Mahak wrote it and spares serialising a million objects again. Held by the record itself under a
// non-enumerable symbol (invisible to JSON.stringify, Object.keys, spreads and equality checks), so it lives and dies
// with the record — cheaper than a WeakMap entry per record.
const SOURCE_TEXT = Symbol('relaykit.mahak.sourceText');

/** Remembers `text` as the JSON source of `record` (the client does this when asked to keep source text). */
export function rememberSourceText(record: object, text: string): void {
  Object.defineProperty(record, SOURCE_TEXT, { value: text, configurable: true });
}

/** The JSON text `record` was parsed from, when the client kept it (`keepSourceText`); else undefined. */
export function sourceTextOf(record: object): string | undefined {
  return (record as { [SOURCE_TEXT]?: string })[SOURCE_TEXT];
}
