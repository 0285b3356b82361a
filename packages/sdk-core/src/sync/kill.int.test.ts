// Killed with SIGKILL at random points, the next run continues from the committed checkpoint and ends with exactly
// the source's state.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sharedServers } from '@relaykit/testkit/vitest';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { killTestSource, killTestSync } from './kill.worker.js';

const servers = sharedServers();
const worker = fileURLToPath(new URL('./kill.worker.ts', import.meta.url));
const cwd = fileURLToPath(new URL('../../../../', import.meta.url));

/** Starts the worker and SIGKILLs it once it has committed `afterBatches` batches; resolves with what it printed. */
function runAndKill(url: string, filter: string, afterBatches: number): Promise<{ batches: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, '--relaykit-kill-worker', url, filter], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let batches = 0;
    let finished = false;
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (line === 'batch' && ++batches === afterBatches) child.kill('SIGKILL');
        if (line === 'done') finished = true;
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve({ batches, finished });
      else reject(new Error(`worker exited with ${code}: ${stderr}`));
    });
  });
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
      const expected = killTestSource().liveRows().sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => ({ id: r.id, version: r.version.toString(), n: r.data.n }));
      expect(rows.length).toBe(expected.length);
      expect(rows).toEqual(expected);
    }, 60_000);
  }
});
