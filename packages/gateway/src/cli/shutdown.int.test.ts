// `relaykit start` stopped by a real SIGTERM: the CLI as users run it, in a child process.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTsxWorker, waitFor, type TsxWorker } from '@relaykit/testkit';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../keys/keys.js';
import { migrate } from '../store/migrations.js';
import { postgresClient, type SqlClient } from '../store/sql.js';

const servers = sharedServers();

const until = <T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30_000,
) => waitFor(check, what, { timeoutMs });

describe.skipIf(!servers.postgresUrl)('relaykit start stopped by SIGTERM', () => {
  let child: TsxWorker | undefined;
  let sql: SqlClient | undefined;
  afterEach(async () => {
    child?.kill('SIGKILL');
    await sql?.close();
    child = undefined;
    sql = undefined;
  });

  // (a) the job ends during the drain; (b) it outlives the deadline and is handed back for the reconciler.
  it.each([
    {
      case: 'a job that finishes during the drain',
      jobMs: 1500,
      shutdownTimeoutMs: 5000,
      finalStatuses: ['succeeded'],
    },
    {
      case: 'a job that outlives the shutdown deadline',
      jobMs: 20_000,
      shutdownTimeoutMs: 1000,
      finalStatuses: ['queued', 'retrying'],
    },
  ])(
    '$case: the in-flight ?wait= request is answered, new work refused, exit 0 in time, the job kept',
    async ({ jobMs, shutdownTimeoutMs, finalStatuses }) => {
      const databaseUrl = await servers.freshDatabase();
      sql = postgresClient(databaseUrl);
      await migrate(sql);
      const { secret } = await new ApiKeyStore(sql).create({ name: 'shutdown', environment: 'dev', scopes: ['*'] });
      const dir = await mkdtemp(join(tmpdir(), 'rk-shutdown-'));
      const file = join(dir, 'relaykit.yaml');
      const plugin = new URL('../test-support/echo.ts', import.meta.url).pathname;
      await writeFile(
        file,
        `server: { host: 127.0.0.1, shutdownTimeout: ${shutdownTimeoutMs}ms }\nenvironments: [dev]\ninstances:\n  echo-1:\n    connector: ${plugin}\n    environment: dev\n    config: { baseUrl: "http://127.0.0.1:9" }\n`,
      );

      child = spawnTsxWorker({
        script: new URL('../main.ts', import.meta.url),
        args: ['start', '-c', file, '-p', '0'],
        env: { DATABASE_URL: databaseUrl, REDIS_URL: undefined, LOG_LEVEL: 'silent' },
        timeoutMs: 60_000,
      });
      const url = /listening on (http:\/\/\S+)/.exec(await child.waitForLine(/listening on/))![1]!;
      const auth = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };

      // 1. A ?wait= request for a job that outlives the wait's chance to see it finish before the signal.
      const inFlight = fetch(`${url}/v1/echo-1/slow?wait=30s`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ ms: jobMs }),
      });
      const jobId = await until(
        async () =>
          (
            await sql!.query<{ id: string; status: string }>(
              "SELECT id, status FROM relaykit_jobs WHERE operation = 'slow'",
            )
          ).rows.find((r) => r.status === 'active')?.id,
        'the slow job to start',
      );

      // 2. A client that is in the middle of sending a request when the signal comes (headers not finished).
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      let raw = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => {
        raw += chunk;
      });
      const late = JSON.stringify({ key: 'late' });
      socket.write(
        `POST /v1/echo-1/put HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${secret}\r\nContent-Type: application/json\r\nContent-Length: ${late.length}\r\n`,
      );

      const signalledAt = Date.now();
      child.child.kill('SIGTERM');
      await until(() => child!.stderr.includes('SIGTERM received'), 'the CLI to start stopping', 10_000);

      // The in-flight request is answered before connections close: 202 with the job id (or 200 when it finished first).
      const answer = await inFlight;
      expect([200, 202]).toContain(answer.status);
      const answered = (await answer.json()) as { id: string; status: string; links: { self: string } };
      expect(answered.id).toBe(jobId);
      expect(answer.headers.get('location')).toBe(`/v1/jobs/${jobId}`);
      // Answered during shutdown: the connection is not kept for another request.
      expect(answer.headers.get('connection')).toBe('close');

      // A request finished on a connection that was already open: 503 problem+json, and the connection closes.
      socket.write(`\r\n${late}`);
      await until(() => /\r\n\r\n\{.*\}$/s.test(raw), 'the answer to the late request', 10_000);
      expect(raw).toMatch(/^HTTP\/1\.1 503 /);
      expect(raw).toMatch(/content-type: application\/problem\+json/i);
      expect(raw).toMatch(/connection: close/i);
      expect(raw).toMatch(/retry-after: 1/i);
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
      socket.destroy();

      // New connections are refused: the listener closed on the signal, so load balancers move on at once.
      const refused = await new Promise<string | undefined>((resolve) => {
        const probe = connect(Number(new URL(url).port), '127.0.0.1');
        probe.once('connect', () => {
          probe.destroy();
          resolve(undefined);
        });
        probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
      });
      expect(refused).toBe('ECONNREFUSED');

      // The process exits 0 within the shutdown deadline (plus start-up slack for closing the engines).
      const exit = await child.finished();
      expect(exit.code).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(shutdownTimeoutMs + 5000);
      expect(child.stderr).toContain('stopped cleanly');

      // The accepted job is not lost: it finished during the drain, or it was handed back and stays recorded for
      // the reconciler of the next process to re-send.
      const { rows } = await sql.query<{ status: string }>('SELECT status FROM relaykit_jobs WHERE id = $1', [jobId]);
      expect(finalStatuses).toContain(rows[0]?.status);
      if (rows[0]?.status !== 'succeeded') expect(answer.status).toBe(202);
      // Nothing of the refused requests was recorded.
      expect((await sql.query("SELECT id FROM relaykit_jobs WHERE operation = 'put'")).rows).toHaveLength(0);
    },
    90_000,
  );
});
