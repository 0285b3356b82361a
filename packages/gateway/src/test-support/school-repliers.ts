// Test support: what the school connector keeps of its own — who replied (phone, profile name, when) — in the
// runtime's database when there is one, else in memory, so the gateway's privacy tests reach connector-held data
// through the connector contract without any real connector.
import { applyMigrations, samePhone, type SqlClient } from '@relaykit/sdk-core';

/** One guardian's reply as the school connector remembers it. */
export interface Replier {
  eventId: string;
  phone: string;
  name: string | null;
  seenAt: Date;
}

/** The school connector's replier list: per instance, in `school_repliers` or in memory. */
export interface RepliersStore {
  readonly location: { store: 'table' | 'memory'; name: string };
  add(replier: Replier): Promise<void>;
  byPhone(e164: string): Promise<Replier[]>;
  forgetPhone(e164: string): Promise<number>;
  purge(before: Date): Promise<number>;
}

const TABLE = 'school_repliers';

export function repliersStore(instance: string, db: SqlClient | undefined): RepliersStore {
  if (!db) return memoryRepliers();
  let migrated: Promise<unknown> | undefined;
  const migrate = () =>
    (migrated ??= applyMigrations(db, {
      scope: 'school-repliers',
      migrations: [
        {
          id: '1-repliers',
          sql: `CREATE TABLE IF NOT EXISTS ${TABLE} (
            instance text NOT NULL, event_id text NOT NULL, phone text NOT NULL, name text,
            seen_at timestamptz NOT NULL, PRIMARY KEY (instance, event_id))`,
        },
      ],
    }));
  const all = async (): Promise<Replier[]> => {
    await migrate();
    const { rows } = await db.query<{ event_id: string; phone: string; name: string | null; seen_at: Date }>(
      `SELECT event_id, phone, name, seen_at FROM ${TABLE} WHERE instance = $1`,
      [instance],
    );
    return rows.map((r) => ({ eventId: r.event_id, phone: r.phone, name: r.name, seenAt: new Date(r.seen_at) }));
  };
  const remove = async (eventIds: string[]) => {
    if (eventIds.length === 0) return 0;
    const { rows } = await db.query(
      `DELETE FROM ${TABLE} WHERE instance = $1 AND event_id = ANY($2::text[]) RETURNING event_id`,
      [instance, eventIds],
    );
    return rows.length;
  };
  return {
    location: { store: 'table', name: TABLE },
    async add(r) {
      await migrate();
      await db.query(
        `INSERT INTO ${TABLE} (instance, event_id, phone, name, seen_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (instance, event_id) DO NOTHING`,
        [instance, r.eventId, r.phone, r.name, r.seenAt],
      );
    },
    byPhone: async (e164) => (await all()).filter((r) => samePhone(r.phone, e164)),
    forgetPhone: async (e164) => remove((await all()).filter((r) => samePhone(r.phone, e164)).map((r) => r.eventId)),
    purge: async (before) => remove((await all()).filter((r) => r.seenAt < before).map((r) => r.eventId)),
  };
}

function memoryRepliers(): RepliersStore {
  let rows: Replier[] = [];
  const drop = (gone: (r: Replier) => boolean) => {
    const before = rows.length;
    rows = rows.filter((r) => !gone(r));
    return before - rows.length;
  };
  return {
    location: { store: 'memory', name: TABLE },
    async add(r) {
      if (!rows.some((x) => x.eventId === r.eventId)) rows.push(r);
    },
    byPhone: async (e164) => rows.filter((r) => samePhone(r.phone, e164)),
    forgetPhone: async (e164) => drop((r) => samePhone(r.phone, e164)),
    purge: async (before) => drop((r) => r.seenAt < before),
  };
}
