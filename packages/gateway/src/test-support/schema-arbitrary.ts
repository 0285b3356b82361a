// Test support: fast-check arbitraries from the JSON Schema (draft 2020-12) subset the gateway's OpenAPI document
// uses. Approximate by design (allOf is merged naively, oneOf picks a branch): callers filter the values with ajv
// against the very schema, so what comes out is valid for the document, whatever the generator got wrong.
import fc from 'fast-check';

type Schema = Record<string, any>;

/** Options of {@link arbitraryFor}. */
export interface SchemaArbitraryOptions {
  /** Resolves a `$ref` (e.g. `#/components/schemas/X`). */
  resolve(ref: string): Schema;
  /** Arbitraries to use for properties of these names, whatever their schema says (values it cannot describe). */
  hints?: Record<string, fc.Arbitrary<unknown>>;
  /** Keys generated for an open record (`additionalProperties` schema), at most. */
  maxKeys?: number;
}

const FORMATS: Record<string, () => fc.Arbitrary<string>> = {
  'date-time': () =>
    fc
      .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  date: () =>
    fc
      .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
  uri: () => fc.webUrl(),
  'uri-reference': () => fc.webPath(),
  email: () => fc.emailAddress(),
  uuid: () => fc.uuid(),
};

function stringArbitrary(schema: Schema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Number.POSITIVE_INFINITY;
  const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern) : undefined;
  const fits = (s: string) => s.length >= min && s.length <= max && (!pattern || pattern.test(s));
  let base: fc.Arbitrary<string>;
  if (schema.format && FORMATS[schema.format]) base = FORMATS[schema.format]!();
  else if (pattern) {
    try {
      base = fc.stringMatching(pattern);
    } catch {
      base = fc.string({ minLength: min, maxLength: Math.min(max, min + 12) });
    }
  } else base = fc.string({ minLength: min, maxLength: Math.min(max, min + 12), unit: 'grapheme' });
  // No `.filter(fits)`: fast-check's filter loops synchronously until a value passes, and a pattern or format with
  // tight lengths may almost never fit. A value that does not fit is left for the caller's ajv check to drop.
  return base.map((s) => (s.length > max && fits(s.slice(0, max)) ? s.slice(0, max) : s));
}

function numberArbitrary(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const lower = schema.exclusiveMinimum ?? schema.minimum;
  const upper = schema.exclusiveMaximum ?? schema.maximum;
  if (integer) {
    const min = BigInt(Math.ceil(Math.max(lower ?? -1e6, Number.MIN_SAFE_INTEGER)));
    const max = BigInt(Math.floor(Math.min(upper ?? 1e6, Number.MAX_SAFE_INTEGER)));
    return fc
      .oneof(fc.bigInt({ min, max }), fc.constantFrom(min, max))
      .map(Number)
      .filter(
        (n) =>
          (schema.exclusiveMinimum === undefined || n > lower) && (schema.exclusiveMaximum === undefined || n < upper),
      );
  }
  return fc.double({
    min: Math.max(lower ?? -1e9, -1e9),
    max: Math.min(upper ?? 1e9, 1e9),
    minExcluded: schema.exclusiveMinimum !== undefined,
    maxExcluded: schema.exclusiveMaximum !== undefined,
    noNaN: true,
    noDefaultInfinity: true,
  });
}

/** An arbitrary producing values (mostly) valid for `schema`. */
export function arbitraryFor(
  schema: Schema | boolean,
  options: SchemaArbitraryOptions,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (schema === true) return fc.jsonValue({ maxDepth: 2 });
  if (schema === false) throw new Error('no value matches `false`');
  if (schema.$ref) return arbitraryFor({ ...options.resolve(schema.$ref), ...without(schema, '$ref') }, options, depth);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  if (schema.not && Object.keys(schema.not).length === 0) throw new Error('no value matches `not: {}`');
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches)) {
    const rest = without(schema, 'anyOf', 'oneOf');
    return fc.oneof(...branches.map((b: Schema) => arbitraryFor({ ...rest, ...b }, options, depth)));
  }
  if (Array.isArray(schema.allOf)) {
    const merged: Schema = without(schema, 'allOf');
    for (const part of schema.allOf as Schema[]) {
      const p = part.$ref ? options.resolve(part.$ref) : part;
      Object.assign(merged, { ...p, properties: { ...merged.properties, ...p.properties } });
      merged.required = [...new Set([...(merged.required ?? []), ...(p.required ?? [])])];
    }
    return arbitraryFor(merged, options, depth);
  }
  const type = schema.type;
  if (Array.isArray(type))
    return fc.oneof(...type.map((t: string) => arbitraryFor({ ...schema, type: t }, options, depth)));
  switch (type) {
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return numberArbitrary(schema, true);
    case 'number':
      return numberArbitrary(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const min = schema.minItems ?? 0;
      const max = Math.min(schema.maxItems ?? min + 3, min + 3);
      return fc.array(arbitraryFor(schema.items ?? true, options, depth + 1), { minLength: min, maxLength: max });
    }
    case 'object':
      return objectArbitrary(schema, options, depth);
    case undefined:
      return schema.properties ? objectArbitrary(schema, options, depth) : fc.jsonValue({ maxDepth: 2 });
    default:
      throw new Error(`unsupported type ${String(type)}`);
  }
}

function objectArbitrary(schema: Schema, options: SchemaArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set<string>(schema.required ?? []);
  const known = Object.entries(properties).filter(([, s]) => !(s.not && Object.keys(s.not).length === 0));
  const record = fc.record(
    Object.fromEntries(known.map(([k, s]) => [k, options.hints?.[k] ?? arbitraryFor(s, options, depth + 1)])),
    {
      requiredKeys: known.map(([k]) => k).filter((k) => required.has(k)),
    },
  );
  const extra = schema.additionalProperties;
  if (!extra || typeof extra !== 'object' || Object.keys(properties).length) return record;
  // A record: keys from propertyNames (or short words), values from additionalProperties.
  const keys = schema.propertyNames
    ? (arbitraryFor({ type: 'string', ...schema.propertyNames }, options, depth + 1) as fc.Arbitrary<string>)
    : fc.string({ minLength: 1, maxLength: 8 });
  return fc
    .dictionary(keys, arbitraryFor(extra, options, depth + 1), {
      minKeys: schema.minProperties ?? 0,
      maxKeys: options.maxKeys ?? 3,
    })
    .chain((dict) => record.map((r) => ({ ...dict, ...(r as object) })));
}

function without(schema: Schema, ...keys: string[]): Schema {
  const copy = { ...schema };
  for (const key of keys) delete copy[key];
  return copy;
}
