import { createEnvelopeCipher, type EnvelopeCipher, type SqlClient, type SqlExecutor } from '@relaykit/sdk-core';
import { ConfigError } from '../errors/index.js';

/** A column holding sealed values (`enc:rk1.<keyId>....`), with how to find its rows and their envelopes' AAD. */
interface SealedColumn {
  name: string;
  table: string;
  column: string;
  /** Primary key columns and their array types (keyset pagination). */
  pk: Array<{ name: string; type: string }>;
  /** Other columns the AAD needs. */
  extra: string[];
  jsonb: boolean;
  aad(row: Record<string, unknown>): string;
}

/** Every column the gateway seals, with its envelopes' additional authenticated data. */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    name: 'jobs.input',
    table: 'relaykit_jobs',
    column: 'input',
    pk: [{ name: 'id', type: 'text' }],
    extra: [],
    jsonb: false,
    aad: (r) => `${r.id}:input`,
  },
  {
    name: 'jobs.result',
    table: 'relaykit_jobs',
    column: 'result',
    pk: [{ name: 'id', type: 'text' }],
    extra: [],
    jsonb: false,
    aad: (r) => `${r.id}:result`,
  },
  {
    name: 'audit.payload',
    table: 'relaykit_audit',
    column: 'payload',
    pk: [{ name: 'id', type: 'bigint' }],
    extra: ['request_id'],
    jsonb: true,
    aad: (r) => `audit:${r.request_id}`,
  },
  {
    name: 'idempotency.result',
    table: 'relaykit_idempotency',
    column: 'result',
    pk: [
      { name: 'scope', type: 'text' },
      { name: 'key', type: 'text' },
    ],
    extra: [],
    jsonb: true,
    aad: (r) => `idempotency:${r.scope}:${r.key}`,
  },
];

const PREFIX = 'enc:';
const textOf = (c: SealedColumn) => (c.jsonb ? `(${c.column} #>> '{}')` : c.column);
const sealedWhere = (c: SealedColumn) =>
  `${c.jsonb ? `jsonb_typeof(${c.column}) = 'string' AND ` : ''}${textOf(c)} LIKE 'enc:rk1.%'`;

/** Rows per key id in each sealed column (`plain`: not sealed), and the totals per key id. */
export interface EncryptionStatus {
  columns: Record<string, Record<string, number>>;
  keys: Record<string, number>;
}

/** Counts sealed rows per key id in every sealed column (a full scan: an operator's command, not a hot path). */
export async function encryptionStatus(sql: SqlExecutor): Promise<EncryptionStatus> {
  const status: EncryptionStatus = { columns: {}, keys: {} };
  for (const c of SEALED_COLUMNS) {
    const { rows } = await sql.query<{ key_id: string | null; n: string }>(
      `SELECT CASE WHEN ${sealedWhere(c)} THEN split_part(${textOf(c)}, '.', 2) END AS key_id, count(*) AS n
       FROM ${c.table} WHERE ${c.column} IS NOT NULL GROUP BY 1`,
    );
    const counts: Record<string, number> = {};
    for (const r of rows) {
      const id = r.key_id ?? 'plain';
      counts[id] = Number(r.n);
      if (r.key_id) status.keys[r.key_id] = (status.keys[r.key_id] ?? 0) + Number(r.n);
    }
    status.columns[c.name] = counts;
  }
  return status;
}

/** Progress of a rotation, after each batch. */
export interface RotationProgress {
  column: string;
  /** Rows re-sealed in this column so far (across resumed runs). */
  rotated: number;
  /** Rows re-sealed in this run, all columns. */
  thisRun: number;
}

/**
 * Re-seals every row sealed with a key other than `cipher`'s primary one, column by column, in batches of `batch`
 * rows, each batch one transaction that also commits its progress (a keyset cursor per column): killed at any point,
 * a new run resumes after the last committed batch. Rows are locked `FOR UPDATE SKIP LOCKED`, so workers are never
 * blocked; a row skipped that way (or sealed with an old key by a gateway not yet restarted with the new primary)
 * is left, and `encryptionStatus` shows it: run again. When a run finds nothing left on old keys, those keys are
 * marked retired (a gateway may then start without them).
 */
export async function rotateEncryption(
  sql: SqlClient,
  cipher: EnvelopeCipher,
  options: { batch?: number; onProgress?: (p: RotationProgress) => void | Promise<void>; signal?: AbortSignal } = {},
): Promise<{ rotated: number; status: EncryptionStatus }> {
  const batch = options.batch ?? 1000;
  const target = cipher.primaryKeyId;
  let thisRun = 0;
  for (const c of SEALED_COLUMNS) {
    for (;;) {
      options.signal?.throwIfAborted();
      const step = await sql.transaction(async (tx) => {
        const { rows: progress } = await tx.query<{ target: string; cursor: unknown[] | null; rotated: string }>(
          'SELECT target, cursor, rotated FROM relaykit_rotation_progress WHERE name = $1 FOR UPDATE',
          [c.name],
        );
        const mine = progress[0]?.target === target ? progress[0] : undefined;
        const cursor = mine?.cursor ?? null;
        const pk = c.pk.map((p) => p.name).join(', ');
        const params: unknown[] = [target, batch];
        const after = cursor
          ? `AND (${pk}) > (${c.pk.map((p, i) => `$${params.push(cursor[i])}::${p.type}`).join(', ')})`
          : '';
        const { rows } = await tx.query<Record<string, unknown> & { v: string }>(
          `SELECT ${[pk, ...c.extra].join(', ')}, ${textOf(c)} AS v FROM ${c.table}
           WHERE ${sealedWhere(c)} AND split_part(${textOf(c)}, '.', 2) <> $1 ${after}
           ORDER BY ${pk} LIMIT $2 FOR UPDATE SKIP LOCKED`,
          params,
        );
        if (!rows.length) return { n: 0, rotated: Number(mine?.rotated ?? 0) };
        const values = rows.map((r) => `${PREFIX}${cipher.reencrypt(r.v.slice(PREFIX.length), { aad: c.aad(r) })}`);
        const set = c.jsonb ? 'to_jsonb(v.val)' : 'v.val';
        const arrays = c.pk.map((p, i) => `$${i + 1}::${p.type}[]`);
        await tx.query(
          `UPDATE ${c.table} t SET ${c.column} = ${set}
           FROM unnest(${arrays.join(', ')}, $${c.pk.length + 1}::text[]) AS v(${pk}, val)
           WHERE ${c.pk.map((p) => `t.${p.name} = v.${p.name}`).join(' AND ')}`,
          [...c.pk.map((p) => rows.map((r) => String(r[p.name]))), values],
        );
        const last = rows[rows.length - 1]!;
        const rotated = Number(mine?.rotated ?? 0) + rows.length;
        await tx.query(
          `INSERT INTO relaykit_rotation_progress (name, target, cursor, rotated) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET target = excluded.target, cursor = excluded.cursor, rotated = excluded.rotated, updated_at = now()`,
          [c.name, target, JSON.stringify(c.pk.map((p) => String(last[p.name]))), rotated],
        );
        return { n: rows.length, rotated };
      });
      if (!step.n) break;
      thisRun += step.n;
      await options.onProgress?.({ column: c.name, rotated: step.rotated, thisRun });
    }
  }
  const status = await encryptionStatus(sql);
  const left = Object.keys(status.keys).filter((k) => k !== target);
  // A full pass with nothing left on an old key: the next run starts from the beginning, and old keys are retired.
  await sql.query('DELETE FROM relaykit_rotation_progress WHERE target = $1', [target]);
  if (!left.length) {
    await registerSealingKey(sql, target);
    await sql.query('UPDATE relaykit_sealing_keys SET retired_at = now() WHERE key_id <> $1 AND retired_at IS NULL', [
      target,
    ]);
  }
  return { rotated: thisRun, status };
}

/** Records that rows are (about to be) sealed with `keyId`. */
export async function registerSealingKey(sql: SqlExecutor, keyId: string): Promise<void> {
  await sql.query(
    `INSERT INTO relaykit_sealing_keys (key_id) VALUES ($1) ON CONFLICT (key_id) DO UPDATE SET retired_at = NULL`,
    [keyId],
  );
}

/**
 * Refuses to start when rows are sealed with a key that is not configured (naming it), and registers the primary
 * key new rows will be sealed with. `configured`: the key ids given (none: encryption off).
 */
export async function assertSealingKeys(
  sql: SqlExecutor,
  configured: readonly string[],
  primary?: string,
): Promise<void> {
  const { rows } = await sql.query<{ key_id: string }>(
    'SELECT key_id FROM relaykit_sealing_keys WHERE retired_at IS NULL ORDER BY registered_at',
  );
  const missing = rows.map((r) => r.key_id).filter((id) => !configured.includes(id));
  if (missing.length)
    throw new ConfigError('Encryption keys are missing:', [
      {
        path: 'encryption.keys',
        message: `stored rows are sealed with key${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not configured: add ${missing.length > 1 ? 'them' : 'it'} back (with the new primary) and run \`relaykit encryption rotate\` before retiring ${missing.length > 1 ? 'them' : 'it'}`,
      },
    ]);
  if (primary) await registerSealingKey(sql, primary);
}

/** The cipher `encryption` configures, or undefined when encryption is off. */
export function cipherFromConfig(encryption: {
  key?: string | undefined;
  keys?: Array<{ id: string; key: string }> | undefined;
  primary?: string | undefined;
}): EnvelopeCipher | undefined {
  const { key, keys, primary } = encryption;
  if (!key && !keys?.length) return undefined;
  return createEnvelopeCipher({
    keys: keys?.length ? keys : [{ id: 'k1', key: key! }],
    ...(primary ? { primary } : {}),
  });
}

/** The key ids `encryption` configures. */
export const configuredKeyIds = (encryption: { key?: string | undefined; keys?: Array<{ id: string }> | undefined }) =>
  encryption.keys?.length ? encryption.keys.map((k) => k.id) : encryption.key ? ['k1'] : [];
