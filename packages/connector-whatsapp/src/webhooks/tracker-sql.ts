import { applyMigrations, type Migration, type SqlClient } from '@relaykit/sdk-core';
import { recipientDigits, type StatusTracker, type TrackedStatus } from './tracker.js';

/** Options of {@link createSqlStatusTracker}. */
export interface SqlStatusTrackerOptions {
  /** The database (PostgreSQL or PGlite, e.g. the runtime's `ctx.database`). Borrowed: never closed by the tracker. */
  db: SqlClient;
  /** Table name (default `relaykit_whatsapp_statuses`). */
  table?: string;
  /** Keeps several connector instances apart in one table (default `''`). */
  namespace?: string;
  /** Rows not updated for this long are deleted (default 30 days, as in Redis). */
  ttlMs?: number;
}

const KNOWN = new Set(['sent', 'delivered', 'read', 'failed']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEFAULT_TTL_MS = 30 * 24 * 3600_000;
// Expired rows are swept at most this often per tracker: the sweep is a side job of `apply`, not a schedule.
const SWEEP_EVERY_MS = 3600_000;

/** The migrations of a status table, for sdk-core's `applyMigrations` (scope `whatsapp-statuses:<table>`). */
export function statusTrackerMigrations(table = 'relaykit_whatsapp_statuses'): Migration[] {
  const t = quote(table);
  return [
    {
      id: '001-create',
      sql: [
        `CREATE TABLE IF NOT EXISTS ${t} (
  namespace text NOT NULL DEFAULT '',
  message_id text NOT NULL,
  status text NOT NULL,
  ts bigint NOT NULL,
  error_codes integer[],
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, message_id)
)`,
        `CREATE INDEX IF NOT EXISTS ${quote(`${table}_updated_at`)} ON ${t} (updated_at)`,
      ],
    },
    {
      // The recipient, so a data subject's statuses can be found, exported and erased (see `whatsAppPrivacy`).
      id: '002-recipient',
      sql: [
        `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS recipient text`,
        `CREATE INDEX IF NOT EXISTS ${quote(`${table}_recipient`)} ON ${t} (namespace, recipient) WHERE recipient IS NOT NULL`,
      ],
    },
  ];
}

// The rank of a status in SQL, as in `nextStatus`: 0 for `failed` and anything unknown.
const rank = (column: string) =>
  `CASE ${column} WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 0 END`;

/**
 * A {@link StatusTracker} in a PostgreSQL or PGlite table, for a runtime without Redis (the gateway on its embedded
 * database): statuses survive a restart. Each update is one upsert whose `WHERE` is {@link nextStatus}, so
 * concurrent receivers never move a message backwards either. The table is created on first use through sdk-core's
 * `applyMigrations`.
 *
 * @example
 * ```ts
 * const tracker = createSqlStatusTracker({ db: await pgliteSqlClient('./data'), namespace: 'wa-school' });
 * await tracker.apply({ messageId: 'wamid.1', status: 'read', timestamp: 1733200000 });
 * ```
 */
export function createSqlStatusTracker(options: SqlStatusTrackerOptions): StatusTracker {
  const { db } = options;
  const table = options.table ?? 'relaykit_whatsapp_statuses';
  const t = quote(table);
  const namespace = options.namespace ?? '';
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  let migrated: Promise<void> | undefined;
  let sweptAt = 0;
  const migrate = () =>
    (migrated ??= applyMigrations(db, {
      scope: `whatsapp-statuses:${table}`,
      migrations: statusTrackerMigrations(table),
    }).then(
      () => undefined,
      (error: unknown) => {
        migrated = undefined;
        throw error;
      },
    ));

  interface Row {
    status: string;
    ts: string | number;
    error_codes: number[] | null;
    recipient: string | null;
  }
  const toTracked = (messageId: string, row: Row): TrackedStatus => ({
    messageId,
    status: row.status as TrackedStatus['status'],
    timestamp: Number(row.ts),
    ...(row.status === 'failed' ? { errorCodes: row.error_codes ?? [] } : {}),
    ...(row.recipient ? { recipientId: row.recipient } : {}),
  });
  const read = async (messageId: string): Promise<TrackedStatus | undefined> => {
    const { rows } = await db.query<Row>(
      `SELECT status, ts, error_codes, recipient FROM ${t} WHERE namespace = $1 AND message_id = $2`,
      [namespace, messageId],
    );
    return rows[0] ? toTracked(messageId, rows[0]) : undefined;
  };
  const sweep = () => {
    if (Date.now() - sweptAt < SWEEP_EVERY_MS) return;
    sweptAt = Date.now();
    void db
      .query(`DELETE FROM ${t} WHERE namespace = $1 AND updated_at < now() - $2 * interval '1 millisecond'`, [
        namespace,
        ttlMs,
      ])
      .catch(() => {
        sweptAt = 0;
      });
  };

  return {
    location: { store: 'table', name: table },
    async apply(update) {
      await migrate();
      const known = KNOWN.has(update.status);
      if (known) {
        // The WHERE is nextStatus() over the stored row (t) and the update (EXCLUDED); a new message always takes.
        const { rows } = await db.query<Row>(
          `INSERT INTO ${t} AS t (namespace, message_id, status, ts, error_codes, recipient, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, now())
ON CONFLICT (namespace, message_id) DO UPDATE
SET status = EXCLUDED.status, ts = EXCLUDED.ts, error_codes = EXCLUDED.error_codes,
  recipient = COALESCE(EXCLUDED.recipient, t.recipient), updated_at = now()
WHERE CASE
  WHEN t.status = 'failed' THEN ${rank('EXCLUDED.status')} >= 2 AND EXCLUDED.ts >= t.ts
  WHEN EXCLUDED.status = 'failed' THEN t.status = 'sent'
  ELSE ${rank('EXCLUDED.status')} > ${rank('t.status')}
END
RETURNING status, ts, error_codes, recipient`,
          [
            namespace,
            update.messageId,
            update.status,
            update.timestamp,
            update.status === 'failed' ? (update.errors ?? []).map((e) => e.code) : null,
            update.recipientId ? recipientDigits(update.recipientId) || null : null,
          ],
        );
        sweep();
        if (rows[0]) return { changed: true, current: toTracked(update.messageId, rows[0]) };
      }
      const current = await read(update.messageId);
      return { changed: false, current: current ?? { messageId: update.messageId, status: 'sent', timestamp: 0 } };
    },
    async get(messageId) {
      await migrate();
      return read(messageId);
    },
    async byRecipient(recipientId) {
      await migrate();
      const digits = recipientDigits(recipientId);
      if (!digits) return [];
      const { rows } = await db.query<Row & { message_id: string }>(
        `SELECT message_id, status, ts, error_codes, recipient FROM ${t} WHERE namespace = $1 AND recipient = $2 ORDER BY message_id`,
        [namespace, digits],
      );
      return rows.map((row) => toTracked(row.message_id, row));
    },
    async forgetRecipient(recipientId) {
      await migrate();
      const digits = recipientDigits(recipientId);
      if (!digits) return 0;
      const { rows } = await db.query(`DELETE FROM ${t} WHERE namespace = $1 AND recipient = $2 RETURNING message_id`, [
        namespace,
        digits,
      ]);
      return rows.length;
    },
    async purge(before) {
      await migrate();
      // Small batches: each DELETE holds its row locks briefly, whatever the table's size.
      let total = 0;
      for (;;) {
        const { rows } = await db.query(
          `DELETE FROM ${t} WHERE (namespace, message_id) IN (
             SELECT namespace, message_id FROM ${t} WHERE namespace = $1 AND updated_at < $2 LIMIT 500 FOR UPDATE SKIP LOCKED)
           RETURNING message_id`,
          [namespace, before],
        );
        total += rows.length;
        if (rows.length < 500) return total;
      }
    },
    async close() {
      // The database is borrowed (the runtime's, or the caller's): it stays open.
    },
  };
}

function quote(name: string): string {
  if (!IDENT.test(name)) throw new RangeError(`invalid status table name ${JSON.stringify(name)}`);
  return `"${name}"`;
}
