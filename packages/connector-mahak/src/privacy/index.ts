import {
  belongsToSubject,
  samePhone,
  type ConnectorPrivacy,
  type PersonalRecord,
  type PrivacyCounts,
  type PrivacySubject,
  type SqlClient,
  type SqlExecutor,
} from '@relaykit/sdk-core';
import { ENTITIES, type EntityName } from '../entities/catalogue.js';
import { mahakRecordFields } from '../personal-data.js';
import type { MahakMemorySink } from '../sink/memory.js';
import { entityTable, ident, migrateMahakSchema } from '../sink/migrations.js';
import type { LocalRow } from '../transform/transformer.js';

/** What the privacy hooks need of an instance's state (its store; `MahakState` is one). */
export interface MahakPrivacyState {
  store:
    | { kind: 'sql'; db: SqlClient; schema: { schema: string; tablePrefix: string } }
    | { kind: 'memory'; sinks: Map<EntityName, MahakMemorySink> };
  /** The store's migration, run once (shared with the syncs). */
  migrated: Promise<unknown> | undefined;
}

/** Personal fields of a Person row (column → Mahak field): blanked by an erasure. */
const PERSON_FIELDS: Record<string, string> = {
  first_name: 'FirstName',
  last_name: 'LastName',
  organization: 'Organization',
  national_code: 'NationalCode',
  mobile: 'Mobile',
  phone: 'Phone',
  email: 'Email',
  address: 'Address',
  postal_code: 'PostalCode',
};
const VISITOR_FIELDS: Record<string, string> = { name: 'Name', mobile: 'Mobile' };

/** Rows that belong to a subject through their person (or through a row that does): their free text is erased. */
const DEPENDENTS: ReadonlyArray<{ entity: EntityName; cls: string; via: 'person_id' | 'order_id' | 'receipt_id' }> = [
  { entity: 'Order', cls: 'orders', via: 'person_id' },
  { entity: 'Receipt', cls: 'receipts', via: 'person_id' },
  { entity: 'Transaction', cls: 'transactions', via: 'person_id' },
  { entity: 'OrderDetail', cls: 'orderDetails', via: 'order_id' },
  { entity: 'Cheque', cls: 'cheques', via: 'receipt_id' },
];

const DAY = 86_400_000;

/** A matched row: its id and its data as JSON (every number as a decimal string, so bigints keep their digits). */
interface Found {
  id: string;
  data: Record<string, unknown>;
}

/**
 * The identifiers a person or visitor row names, in the subject's spelling where they are the same (phones written
 * locally, `0985…`, are the subject's E.164 number); external ids only when one is the subject's (ids of different
 * systems never contradict each other).
 */
function rowIdentifiers(subject: PrivacySubject, row: Record<string, unknown>) {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : v == null ? '' : String(v));
  const phones = [row.mobile, row.phone]
    .map(text)
    .filter(Boolean)
    .map((p) => subject.phones.find((s) => samePhone(p, s)) ?? p.replace(/\D/g, ''));
  const emails = [text(row.email).toLowerCase()].filter(Boolean);
  const ids = [row.mahak_id, row.code, row.national_code].map(text).filter((id) => subject.externalIds.includes(id));
  return { phones, emails, externalIds: ids };
}

/** `to_jsonb(t)` with numbers as text: lossless for bigints and money. */
const jsonOf = (alias: string) =>
  `(SELECT jsonb_object_agg(e.key, CASE WHEN jsonb_typeof(e.value) = 'number' THEN to_jsonb(e.value #>> '{}') ELSE e.value END)
    FROM jsonb_each(to_jsonb(${alias})) e)::text`;

const digitsOf = (column: string) => `ltrim(regexp_replace(coalesce(${column}, ''), '\\D', '', 'g'), '0')`;
/** A loose SQL pre-filter of rows whose `column` may be one of the subject's phones ({@link samePhone} decides). */
const phoneMatch = (column: string, param: string) =>
  `(length(${digitsOf(column)}) >= 7 AND EXISTS (SELECT 1 FROM unnest(${param}::text[]) s WHERE s LIKE '%' || ${digitsOf(column)}))`;

async function sqlStore(state: MahakPrivacyState) {
  const { store } = state;
  if (store.kind !== 'sql') return undefined;
  await (state.migrated ??= migrateMahakSchema(store.db, store.schema).catch((error: unknown) => {
    state.migrated = undefined;
    throw error;
  }));
  return store;
}

/** The subject's person and visitor rows, and the rows depending on their persons, by class. */
async function findSql(
  tx: SqlExecutor,
  schema: { schema: string; tablePrefix: string },
  subject: PrivacySubject,
): Promise<Map<string, { entity: EntityName; rows: Found[] }>> {
  const digits = subject.phones.map((p) => p.replace(/\D/g, '')).filter(Boolean);
  const out = new Map<string, { entity: EntityName; rows: Found[] }>();
  const select = async (entity: EntityName, where: string, params: unknown[]) => {
    const { rows } = await tx.query<{ id: string; data: string }>(
      `SELECT t.mahak_id::text AS id, ${jsonOf('t')} AS data FROM ${entityTable(entity, schema)} t WHERE ${where} ORDER BY t.mahak_id`,
      params,
    );
    return rows.map((r) => ({ id: r.id, data: JSON.parse(r.data) as Record<string, unknown> }));
  };
  const mine = (rows: Found[]) => rows.filter((r) => belongsToSubject(subject, rowIdentifiers(subject, r.data)));
  const persons = mine(
    await select(
      'Person',
      `${phoneMatch('t.mobile', '$1')} OR ${phoneMatch('t.phone', '$1')} OR lower(trim(t.email)) = ANY($2::text[])
       OR t.code = ANY($3::text[]) OR t.national_code = ANY($3::text[]) OR t.mahak_id::text = ANY($3::text[])`,
      [digits, subject.emails, subject.externalIds],
    ),
  );
  out.set('persons', { entity: 'Person', rows: persons });
  out.set('visitors', {
    entity: 'Visitor',
    rows: mine(
      await select('Visitor', `${phoneMatch('t.mobile', '$1')} OR t.mahak_id::text = ANY($2::text[])`, [
        digits,
        subject.externalIds,
      ]),
    ),
  });
  const ids: Record<string, string[]> = { person_id: persons.map((p) => p.id) };
  for (const dep of DEPENDENTS) {
    const parents = ids[dep.via] ?? [];
    const rows = parents.length ? await select(dep.entity, `t.${dep.via} = ANY($1::bigint[])`, [parents]) : [];
    out.set(dep.cls, { entity: dep.entity, rows });
    if (dep.entity === 'Order') ids.order_id = rows.map((r) => r.id);
    if (dep.entity === 'Receipt') ids.receipt_id = rows.map((r) => r.id);
  }
  return out;
}

/** The store's own dead-letter table (syncs run outside a runtime that keeps dead letters), when it exists. */
async function deadLetterTable(tx: SqlExecutor, schema: { schema: string; tablePrefix: string }) {
  const name = `${ident(schema.schema)}.${ident(`${schema.tablePrefix}dead_letters`)}`;
  const { rows } = await tx.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name]);
  return rows[0]?.t ? name : undefined;
}

/** Dead letters of the store's own table naming the subject, or referring to one of their persons. */
async function subjectDeadLetters(
  tx: SqlExecutor,
  schema: { schema: string; tablePrefix: string },
  subject: PrivacySubject,
  personIds: readonly string[],
): Promise<Array<{ seq: string; data: Record<string, unknown> }>> {
  const table = await deadLetterTable(tx, schema);
  if (!table) return [];
  const { rows } = await tx.query<{ seq: string; entity: string; raw: Record<string, unknown> | null }>(
    `SELECT seq::text AS seq, entity, raw FROM ${table} WHERE namespace = 'mahak' ORDER BY seq`,
  );
  return rows
    .filter((r) => {
      const raw = r.raw ?? {};
      if (personIds.includes(String(raw.PersonId ?? ''))) return true;
      const row = { mobile: raw.Mobile, phone: raw.Phone, email: raw.Email, mahak_id: raw[`${r.entity}Id`] };
      return belongsToSubject(subject, rowIdentifiers(subject, { ...row, code: raw[`${r.entity}Code`] }));
    })
    .map((r) => ({ seq: r.seq, data: { entity: r.entity, raw: r.raw } }));
}

/** Memory store: the rows of one entity's sink, as the SQL rows would read. */
function memoryRows(state: MahakPrivacyState, entity: EntityName) {
  if (state.store.kind !== 'memory') return [];
  return [...(state.store.sinks.get(entity)?.rows.values() ?? [])].flatMap((r) =>
    r.data ? [{ row: r, data: r.data as LocalRow, id: String(r.mahakId) }] : [],
  );
}

function findMemory(state: MahakPrivacyState, subject: PrivacySubject) {
  const out = new Map<string, { entity: EntityName; rows: ReturnType<typeof memoryRows> }>();
  const mine = (entity: EntityName) =>
    memoryRows(state, entity).filter((r) => belongsToSubject(subject, rowIdentifiers(subject, r.data)));
  const persons = mine('Person');
  out.set('persons', { entity: 'Person', rows: persons });
  out.set('visitors', { entity: 'Visitor', rows: mine('Visitor') });
  const ids: Record<string, string[]> = { person_id: persons.map((p) => p.id) };
  for (const dep of DEPENDENTS) {
    const rows = memoryRows(state, dep.entity).filter((r) => (ids[dep.via] ?? []).includes(String(r.data[dep.via])));
    out.set(dep.cls, { entity: dep.entity, rows });
    if (dep.entity === 'Order') ids.order_id = rows.map((r) => r.id);
    if (dep.entity === 'Receipt') ids.receipt_id = rows.map((r) => r.id);
  }
  return out;
}

const bigintsAsText = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));

/** The columns (and raw fields) an erasure blanks in each class. */
const ERASED: Record<string, Record<string, string>> = {
  persons: PERSON_FIELDS,
  visitors: VISITOR_FIELDS,
  ...Object.fromEntries(DEPENDENTS.map((d) => [d.cls, { description: 'Description' }])),
};

/**
 * Subject access, erasure and retention of what a Mahak instance keeps in its store (the runtime's database, its
 * own `postgres.url`, or memory). A subject's **person** rows are found by mobile or phone (local or international
 * spelling), e-mail, or an external id equal to the person's Mahak id, `PersonCode` or `NationalCode`, under sdk-core's
 * `belongsToSubject` rule (a household phone shared by two guardians is told apart by e-mail); **visitor** rows by
 * mobile; their **orders, receipts and transactions** (by `PersonId`), **order details** and **cheques** (by their
 * order or receipt) belong to them too.
 *
 * Erasure **pseudonymises** rather than deletes: each row stays with its Mahak id, code, client id, RowVersion,
 * amounts and dates, so orders still point at their person and the ids other systems (Mahak itself, a shop's ERP)
 * hold stay consistent, and the books still add up; the personal columns (names, organisation, national code,
 * phones, e-mail, address, postal code; visitors' name and mobile; every dependent row's description) become NULL
 * and are removed from `raw`, which gets `"$erased": true`. The store's own dead letters naming the subject are
 * deleted. All in one transaction. Mahak keeps its own copy: should Mahak change the person again, the next sync
 * brings the new data back — erasure in Mahak is the Mahak operator's.
 */
export const mahakPrivacy: ConnectorPrivacy<MahakPrivacyState> = {
  classes: {
    persons: { description: 'Synced Person rows (names, national code, phones, e-mail, address)', defaultKeepMs: null },
    visitors: { description: 'Synced Visitor rows (name, mobile)', defaultKeepMs: null },
    orders: { description: "Synced orders of a subject's persons (description)", defaultKeepMs: null },
    orderDetails: { description: "Lines of a subject's orders (description)", defaultKeepMs: null },
    receipts: { description: "Synced receipts of a subject's persons (description)", defaultKeepMs: null },
    cheques: { description: "Cheques of a subject's receipts (description)", defaultKeepMs: null },
    transactions: { description: "Synced transactions of a subject's persons (description)", defaultKeepMs: null },
    deletedRows: {
      description: 'Rows Mahak deleted, kept marked (`deleted_at`) in the store; purged after their retention',
      defaultKeepMs: 90 * DAY,
    },
    deadLetters: {
      description: "Records a sync could not store, in the store's own dead-letter table (raw records)",
      defaultKeepMs: 180 * DAY,
    },
  },
  syncRecord: mahakRecordFields,
  async *access(ctx, subject) {
    const store = await sqlStore(ctx.state);
    if (!store) {
      for (const [cls, { entity, rows }] of findMemory(ctx.state, subject))
        for (const r of rows)
          yield {
            class: cls,
            source: { store: 'memory', name: `mahak ${entity} sink`, id: r.id },
            data: bigintsAsText({ ...r.data, deletedAt: r.row.deletedAt }),
          } satisfies PersonalRecord;
      return;
    }
    const found = await store.db.transaction((tx) => findSql(tx, store.schema, subject));
    for (const [cls, { entity, rows }] of found)
      for (const r of rows)
        yield {
          class: cls,
          source: { store: 'table', name: entityTable(entity, store.schema), id: r.id },
          data: r.data,
        };
    const persons = found.get('persons')?.rows.map((r) => r.id) ?? [];
    const letters = await store.db.transaction((tx) => subjectDeadLetters(tx, store.schema, subject, persons));
    for (const letter of letters)
      yield {
        class: 'deadLetters',
        source: {
          store: 'table',
          name: `${store.schema.schema}.${store.schema.tablePrefix}dead_letters`,
          id: letter.seq,
          columns: ['raw'],
        },
        data: letter.data,
      };
  },
  async erase(ctx, subject) {
    const counts: PrivacyCounts = {};
    const store = await sqlStore(ctx.state);
    if (!store) {
      for (const [cls, { rows }] of findMemory(ctx.state, subject)) {
        for (const { row } of rows) {
          const data = { ...row.data! };
          const raw = { ...row.raw };
          for (const [column, field] of Object.entries(ERASED[cls] ?? {})) {
            data[column] = null;
            delete raw[field];
          }
          row.data = { ...data, raw: { ...raw, $erased: true } } as LocalRow;
          row.raw = { ...raw, $erased: true };
        }
        counts[cls] = rows.length;
      }
      return counts;
    }
    await store.db.transaction(async (tx) => {
      const found = await findSql(tx, store.schema, subject);
      for (const [cls, { entity, rows }] of found) {
        const fields = ERASED[cls] ?? {};
        counts[cls] = rows.length;
        if (!rows.length) continue;
        await tx.query(
          `UPDATE ${entityTable(entity, store.schema)} SET ${Object.keys(fields)
            .map((c) => `${ident(c)} = NULL`)
            .join(', ')}, raw = (raw - $2::text[]) || '{"$erased":true}'::jsonb WHERE mahak_id = ANY($1::bigint[])`,
          [rows.map((r) => r.id), Object.values(fields)],
        );
      }
      const persons = found.get('persons')?.rows.map((r) => r.id) ?? [];
      const letters = await subjectDeadLetters(tx, store.schema, subject, persons);
      if (letters.length)
        await tx.query(`DELETE FROM ${(await deadLetterTable(tx, store.schema))!} WHERE seq = ANY($1::bigint[])`, [
          letters.map((l) => l.seq),
        ]);
      counts.deadLetters = letters.length;
    });
    return counts;
  },
  async purge(ctx, cutoffs) {
    const counts: PrivacyCounts = {};
    const store = await sqlStore(ctx.state);
    if (!store) return counts;
    if (cutoffs.deletedRows) {
      counts.deletedRows = 0;
      for (const entity of Object.keys(ENTITIES) as EntityName[]) {
        const table = entityTable(entity, store.schema);
        // Small batches: each statement locks at most 500 rows, briefly.
        for (;;) {
          const { rows } = await store.db.query(
            `DELETE FROM ${table} WHERE mahak_id IN (
               SELECT mahak_id FROM ${table} WHERE deleted_at < $1 LIMIT 500 FOR UPDATE SKIP LOCKED) RETURNING mahak_id`,
            [cutoffs.deletedRows],
          );
          counts.deletedRows += rows.length;
          if (rows.length < 500) break;
        }
      }
    }
    if (cutoffs.deadLetters) {
      const table = await store.db.transaction((tx) => deadLetterTable(tx, store.schema));
      const { rows } = table
        ? await store.db.query(`DELETE FROM ${table} WHERE namespace = 'mahak' AND at < $1 RETURNING seq`, [
            cutoffs.deadLetters,
          ])
        : { rows: [] };
      counts.deadLetters = rows.length;
    }
    return counts;
  },
};
