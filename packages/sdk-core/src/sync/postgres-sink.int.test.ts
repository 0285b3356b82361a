// A PostgreSQL sink that commits data and checkpoint in one transaction, killed mid-run and resumed.
import { sharedServers } from '@relaykit/testkit/vitest';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresCheckpointStore } from '../checkpoint/postgres.js';
import { runIncrementalSync } from './engine.js';
import { VersionedTable, type VersionedRow } from './table.js';
import type { SyncSink } from './types.js';

const servers = sharedServers();
type Person = { name: string };

describe.skipIf(!servers.postgresUrl)('PostgreSQL sink with the checkpoint in its transaction', () => {
  for (const filter of ['position', 'version-exclusive'] as const) {
    it(`${filter}: a crash inside the transaction loses nothing and the resumed run ends equal to the source`, async () => {
      const pool = new pg.Pool({ connectionString: await servers.freshDatabase(), max: 3 });
      await pool.query('CREATE TABLE people (id text PRIMARY KEY, version numeric(20) NOT NULL, name text NOT NULL)');
      const checkpoints = new PostgresCheckpointStore({ pool, namespace: 'test' });
      const table = new VersionedTable<Person>({ startVersion: 2n ** 62n });
      for (let i = 0; i < 30; i++)
        table.load({
          id: `p${String(i).padStart(2, '0')}`,
          version: 2n ** 62n + BigInt(Math.floor(i / 4)),
          deleted: false,
          data: { name: `n${i}` },
        });

      let writes = 0;
      let crashAt = 3;
      const sink: SyncSink<Person, VersionedRow<Person>> = {
        persistsCheckpoint: true,
        async write(batch) {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            for (const u of batch.upserts) {
              await client.query(
                'INSERT INTO people (id, version, name) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name',
                [String(u.id), u.version.toString(), u.data.name],
              );
            }
            for (const d of batch.deletes) await client.query('DELETE FROM people WHERE id = $1', [String(d.id)]);
            if (batch.checkpoint !== undefined)
              await checkpoints.setWithClient(client, batch.source, batch.entity, batch.checkpoint);
            if (++writes === crashAt) throw new Error('killed before COMMIT');
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          } finally {
            client.release();
          }
        },
      };
      const run = () =>
        runIncrementalSync({
          source: 'mahak',
          entity: 'Person',
          filter,
          fetchPage: table.fetcher({ filter }),
          transform: (r) => r.data,
          sink,
          checkpoints,
          pageSize: 5,
        });

      await expect(run()).rejects.toThrow('killed before COMMIT');
      const committed = await checkpoints.get('mahak', 'Person');
      const { rows: afterCrash } = await pool.query('SELECT count(*)::int AS n FROM people');
      expect(committed).toBeDefined();
      expect(afterCrash[0].n).toBeLessThan(30); // the third batch rolled back, checkpoint with it

      // Changes land in the source before the next run: an update, a soft delete, a new row.
      table.upsert('p03', { name: 'renamed' });
      table.softDelete('p07');
      table.upsert('p99', { name: 'new' });
      crashAt = -1;
      await run();

      const { rows } = await pool.query('SELECT id, version::text AS version, name FROM people ORDER BY id');
      expect(rows).toEqual(
        table
          .liveRows()
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .map((r) => ({ id: r.id, version: r.version.toString(), name: r.data.name })),
      );
      const final = await checkpoints.get('mahak', 'Person');
      if (filter === 'version-exclusive') expect(final).toBe(table.version);
      await pool.end();
    });
  }
});
