// Killed with SIGKILL at random points, the next run continues from the committed checkpoint and ends with exactly
// the source's state.
import { spawnTsxWorker } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { killTestSource, killTestSync } from '../test-support/workers/sync-kill.worker.js';

const servers = sharedServers();
const worker = new URL('../test-support/workers/sync-kill.worker.ts', import.meta.url);

/** Starts the worker and SIGKILLs it once it has committed `afterBatches` batches; resolves with what it printed. */
async function runAndKill(
  url: string,
  filter: string,
  afterBatches: number,
): Promise<{ batches: number; finished: boolean }> {
  const child = spawnTsxWorker({ script: worker, args: ['--relaykit-kill-worker', url, filter] });
  let batches = 0;
  child.onLine((line) => {
    if (line === 'batch' && ++batches === afterBatches) child.kill('SIGKILL');
  });
  // Resolves after our SIGKILL or a clean exit; any other end rejects with the worker's stderr.
  await child.finished();
  return { batches, finished: child.lines.includes('done') };
}

describe.skipIf(!servers.postgresUrl)('sync killed with SIGKILL', () => {
  for (const filter of ['position', 'version-exclusive'] as const) {
    it(`${filter}: resumes after kills and ends equal to the source`, async () => {
      const url = await servers.freshDatabase();
      const first = await runAndKill(url, filter, 5 + Math.floor(Math.random() * 10));
      const probe = new pg.Pool({ connectionString: url, max: 1 });
      const { rows: saved } = await probe.query(`SELECT "cursor" FROM relaykit_checkpoints WHERE source = 'kill'`);
      await probe.end();
      expect(saved).toHaveLength(1); // the next run resumes from here, not from the start
      const second = await runAndKill(url, filter, 3 + Math.floor(Math.random() * 10));
      expect(first.finished || second.finished).toBe(false);
      await killTestSync(url, filter, () => undefined);
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      const { rows } = await pool.query('SELECT id, version::text AS version, n FROM rows ORDER BY id');
      await pool.end();
      const expected = killTestSource()
        .liveRows()
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((r) => ({ id: r.id, version: r.version.toString(), n: r.data.n }));
      expect(rows.length).toBe(expected.length);
      expect(rows).toEqual(expected);
    }, 60_000);
  }
});
