// Child process of kill.int.test.ts: syncs a deterministic source into PostgreSQL (data and checkpoint in one
// transaction per batch) and prints a line per committed batch, until the parent kills it with SIGKILL.
import pg from 'pg';
import { PostgresCheckpointStore } from '../../checkpoint/postgres.js';
import { runIncrementalSync } from '../../sync/engine.js';
import { VersionedTable } from '../../sync/table.js';
import type { SyncSourceFilter } from '../../sync/types.js';

/** The source both the worker and the test build: ties of 7, every 11th row soft-deleted, versions above 2^62. */
export function killTestSource(): VersionedTable<{ n: number }> {
  const table = new VersionedTable<{ n: number }>();
  for (let i = 0; i < 3000; i++)
    table.load({
      id: `r${String(i).padStart(5, '0')}`,
      version: 2n ** 62n + BigInt(Math.floor(i / 7)),
      deleted: i % 11 === 0,
      data: { n: i },
    });
  return table;
}

/** Runs the sync to completion (or until killed). */
export async function killTestSync(postgresUrl: string, filter: SyncSourceFilter, onBatch: () => void): Promise<void> {
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 2 });
  await pool.query(
    'CREATE TABLE IF NOT EXISTS rows (id text PRIMARY KEY, version numeric(20) NOT NULL, n int NOT NULL)',
  );
  const checkpoints = new PostgresCheckpointStore({ pool });
  const table = killTestSource();
  try {
    await runIncrementalSync({
      source: 'kill',
      entity: 'rows',
      filter,
      pageSize: 40,
      checkpoints,
      fetchPage: table.fetcher({ filter }),
      transform: (r) => r.data,
      sink: {
        persistsCheckpoint: true,
        async write(batch) {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            if (batch.upserts.length > 0) {
              await client.query(
                'INSERT INTO rows (id, version, n) SELECT * FROM unnest($1::text[], $2::numeric[], $3::int[]) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, n = EXCLUDED.n',
                [
                  batch.upserts.map((u) => String(u.id)),
                  batch.upserts.map((u) => u.version.toString()),
                  batch.upserts.map((u) => u.data.n),
                ],
              );
            }
            if (batch.deletes.length > 0)
              await client.query('DELETE FROM rows WHERE id = ANY($1::text[])', [
                batch.deletes.map((d) => String(d.id)),
              ]);
            if (batch.checkpoint !== undefined)
              await checkpoints.setWithClient(client, batch.source, batch.entity, batch.checkpoint);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          } finally {
            client.release();
          }
          onBatch();
        },
      },
    });
  } finally {
    await pool.end();
  }
}

if (process.argv[2] === '--relaykit-kill-worker') {
  await killTestSync(process.argv[3]!, process.argv[4] as SyncSourceFilter, () => process.stdout.write('batch\n'));
  process.stdout.write('done\n');
}
