import { z } from 'zod';

/**
 * Kinds of personal data a connector schema can mark with `.meta({ pii })`. `phone`, `email` and `id` identify a
 * person (a gateway indexes them to find a data subject); `name` and `freeText` only describe one (masked and erased,
 * never indexed).
 */
export type PiiKind = 'phone' | 'email' | 'name' | 'freeText' | 'id';

/** Every {@link PiiKind}. */
export const PII_KINDS: readonly PiiKind[] = Object.freeze(['phone', 'email', 'name', 'freeText', 'id']);

/** The kinds that identify a person (as opposed to describing one). */
export const IDENTIFYING_PII_KINDS: readonly PiiKind[] = Object.freeze(['phone', 'email', 'id']);

/** One marked value found in a payload. */
export interface PersonalValue {
  kind: PiiKind;
  /** Where it is in the payload (object keys and array indexes). */
  path: Array<string | number>;
  /** The value as text (numbers and bigints as decimal strings). */
  value: string;
}

// biome-ignore lint/suspicious/noExplicitAny: zod's internal definitions differ per schema type
type Def = Record<string, any> & { type: string };
/** Any zod 4 schema (classic or mini), as the personal-data walkers take it. */
export type AnyZodSchema = z.core.$ZodType;

const defOf = (schema: AnyZodSchema): Def => schema._zod.def as unknown as Def;

/** The kind a schema (or one of its clones' ancestors) is marked with, if any. */
export function piiKindOf(schema: AnyZodSchema): PiiKind | undefined {
  const pii = (z.globalRegistry.get(schema) as { pii?: unknown } | undefined)?.pii;
  return typeof pii === 'string' && (PII_KINDS as readonly string[]).includes(pii) ? (pii as PiiKind) : undefined;
}

/** Schemas that hold a mark somewhere inside (cached: connector schemas are built once). */
const marked = new WeakMap<AnyZodSchema, boolean>();

function hasMarks(schema: AnyZodSchema, seen = new Set<AnyZodSchema>()): boolean {
  const cached = marked.get(schema);
  if (cached !== undefined) return cached;
  if (seen.has(schema)) return false;
  seen.add(schema);
  const result = piiKindOf(schema) !== undefined || children(schema).some((c) => hasMarks(c, seen));
  marked.set(schema, result);
  return result;
}

/** The schemas a schema is made of (as its input is read: a pipe's input side). */
function children(schema: AnyZodSchema): AnyZodSchema[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return [...Object.values(def.shape as Record<string, AnyZodSchema>), ...(def.catchall ? [def.catchall] : [])];
    case 'array':
      return [def.element];
    case 'record':
      return [def.valueType];
    case 'tuple':
      return [...def.items, ...(def.rest ? [def.rest] : [])];
    case 'union':
      return def.options;
    case 'intersection':
      return [def.left, def.right];
    case 'pipe':
      return [def.in];
    case 'lazy':
      return [def.getter()];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return [def.innerType];
    default:
      return [];
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every string or number under a marked value (a marked object marks all it holds). */
function* leaves(kind: PiiKind, value: unknown, path: Array<string | number>, depth: number): Generator<PersonalValue> {
  if (typeof value === 'string') {
    if (value !== '') yield { kind, path, value };
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    yield { kind, path, value: value.toString() };
  } else if (depth < 32 && Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* leaves(kind, v, [...path, i], depth + 1);
  } else if (depth < 32 && isRecord(value)) {
    for (const [k, v] of Object.entries(value)) yield* leaves(kind, v, [...path, k], depth + 1);
  }
}

function* walk(
  schema: AnyZodSchema,
  value: unknown,
  path: Array<string | number>,
  depth: number,
): Generator<PersonalValue> {
  if (value === undefined || value === null || depth > 64 || !hasMarks(schema)) return;
  const kind = piiKindOf(schema);
  if (kind) {
    yield* leaves(kind, value, path, 0);
    return;
  }
  const def = defOf(schema);
  switch (def.type) {
    case 'object': {
      if (!isRecord(value)) return;
      const shape = def.shape as Record<string, AnyZodSchema>;
      for (const [key, v] of Object.entries(value)) {
        const field = Object.hasOwn(shape, key) ? shape[key] : (def.catchall as AnyZodSchema | undefined);
        if (field) yield* walk(field, v, [...path, key], depth + 1);
      }
      return;
    }
    case 'array':
      if (Array.isArray(value))
        for (const [i, v] of value.entries()) yield* walk(def.element, v, [...path, i], depth + 1);
      return;
    case 'record':
      if (isRecord(value))
        for (const [k, v] of Object.entries(value)) yield* walk(def.valueType, v, [...path, k], depth + 1);
      return;
    case 'tuple':
      if (Array.isArray(value))
        for (const [i, v] of value.entries()) {
          const item = (def.items[i] as AnyZodSchema | undefined) ?? (def.rest as AnyZodSchema | undefined);
          if (item) yield* walk(item, v, [...path, i], depth + 1);
        }
      return;
    case 'union': {
      // The options the value fits; when it fits none (invalid input), every option: better over-mark than leak.
      const options = (def.options as AnyZodSchema[]).filter((o) => hasMarks(o));
      const fitting = options.filter((o) => z.safeParse(o, value).success);
      const found = new Map<string, PersonalValue>();
      for (const option of fitting.length ? fitting : options)
        for (const item of walk(option, value, path, depth + 1)) found.set(`${item.path.join('\u0000')}`, item);
      yield* found.values();
      return;
    }
    default:
      for (const child of children(schema)) yield* walk(child, value, path, depth + 1);
  }
}

/**
 * The personal data `value` holds according to the marks of `schema`: every value under a schema marked with
 * `.meta({ pii: kind })`, with its kind and path. A marked object or array yields each string or number inside it.
 * Reads the value as the schema's input (a pipe's input side); a value the schema does not fit is walked as far as
 * it goes.
 *
 * @example
 * ```ts
 * const input = z.object({ to: z.string().meta({ pii: 'phone' }), body: z.string().meta({ pii: 'freeText' }) });
 * personalDataOf(input, { to: '+9779841234567', body: 'hi' });
 * // [{ kind: 'phone', path: ['to'], value: '+9779841234567' }, { kind: 'freeText', path: ['body'], value: 'hi' }]
 * ```
 */
export function personalDataOf(schema: AnyZodSchema, value: unknown): PersonalValue[] {
  return [...walk(schema, value, [], 0)];
}

/** True when `schema` marks any personal data. */
export function marksPersonalData(schema: AnyZodSchema): boolean {
  return hasMarks(schema);
}

/** What {@link maskPersonalData} puts in place of a value of each kind. */
export const PII_MASKS: Readonly<Record<PiiKind, string>> = Object.freeze({
  phone: '[phone]',
  email: '[email]',
  name: '[name]',
  freeText: '[text]',
  id: '[id]',
});

/**
 * A copy of `value` with every marked value (see {@link personalDataOf}) replaced by its kind's placeholder
 * ({@link PII_MASKS}): nothing of it is kept, not even a suffix, so the copy may be stored where erasure never
 * reaches (an append-only audit trail). `keep` lists kinds to leave as they are (e.g. `['id']`).
 */
export function maskPersonalData<T>(schema: AnyZodSchema, value: T, options: { keep?: readonly PiiKind[] } = {}): T {
  const found = personalDataOf(schema, value).filter((p) => !options.keep?.includes(p.kind));
  if (!found.length) return value;
  const copy = structuredClone(value) as unknown;
  let root = copy;
  for (const { kind, path } of found) {
    if (!path.length) {
      root = PII_MASKS[kind];
      continue;
    }
    let node = root as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    node[path[path.length - 1]!] = PII_MASKS[kind];
  }
  return root as T;
}
