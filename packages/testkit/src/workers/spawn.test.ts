import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  WorkerFailedError,
  killWorkers,
  runTsxWorkers,
  spawnTsxWorker,
  spawnTsxWorkers,
  workspaceRoot,
} from './spawn.js';

const script = new URL('../test-support/workers/echo.worker.ts', import.meta.url);
const root = workspaceRoot(fileURLToPath(new URL('.', import.meta.url)));

describe('tsx worker processes', () => {
  it('spawns N workers at the workspace root, hands each a line and collects each JSON result', async () => {
    const workers = spawnTsxWorkers(3, (i) => ({ script, args: ['--flag', String(i)], env: { ECHO_ID: String(i) } }));
    try {
      await Promise.all(workers.map((w) => w.waitForLine(/"ready"/)));
      for (const w of workers) w.end({ startAt: 42 });
      const results = await Promise.all(
        workers.map((w) => w.result<{ id: string; got: unknown; args: string[]; cwd: string }>()),
      );
      expect(results.map((r) => r.id)).toEqual(['0', '1', '2']);
      expect(results[2]).toMatchObject({ got: { startAt: 42 }, args: ['--flag', '2'], cwd: root });
      expect(workers[0]!.lines).toContain('some log line');
    } finally {
      killWorkers(workers);
    }
  });

  it('fails loudly with the stderr of a worker that exits non-zero', async () => {
    const error = await runTsxWorkers(2, (i) => ({
      script,
      env: { ECHO_ID: String(i), ECHO_MODE: i === 1 ? 'crash-early' : 'hang' },
    })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerFailedError);
    expect((error as WorkerFailedError).message).toMatch(
      /worker 1 exited with code 3[\s\S]*boom: could not connect to the fake/,
    );
    expect((error as WorkerFailedError).exit?.code).toBe(3);
  });

  it('waitForLine rejects when the worker exits first; result rejects without a JSON line', async () => {
    const crashed = spawnTsxWorker({ script, env: { ECHO_MODE: 'crash' } });
    const waiting = crashed.waitForLine('never printed');
    crashed.end('go');
    await expect(waiting).rejects.toThrow(
      /exited with code 2 before printing a line matching never printed[\s\S]*failed on go/,
    );
    const quiet = spawnTsxWorker({ script, env: { ECHO_MODE: 'no-json' } });
    quiet.end('go');
    await expect(quiet.result()).rejects.toThrow(/printed no JSON line/);
  });

  it('a worker killed on purpose finishes normally; one running past its timeout fails', async () => {
    const streaming = spawnTsxWorker({ script, env: { ECHO_MODE: 'stream' } });
    let ticks = 0;
    streaming.onLine((line) => {
      if (line === 'tick' && ++ticks === 3) streaming.kill();
    });
    await expect(streaming.finished()).resolves.toMatchObject({ signal: 'SIGKILL', killed: true });
    expect(ticks).toBeGreaterThanOrEqual(3);
    await expect(streaming.result()).rejects.toThrow(/killed by SIGKILL/);

    const hung = spawnTsxWorker({ script, env: { ECHO_MODE: 'hang' }, timeoutMs: 400 });
    await expect(hung.finished()).rejects.toThrow(/timed out after 400 ms/);
  });
});
