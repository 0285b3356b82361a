import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

/** Options for {@link startRedis}. */
export interface RedisServerOptions {
  /** Keep an append-only file so data survives {@link RedisServer.restart}. Default false (data is lost, as in production without AOF). */
  appendOnly?: boolean;
  /** Fixed port; a free loopback port when omitted. */
  port?: number;
}

/** A throwaway redis-server on loopback. */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly dir: string;
  /** Stops the server (SIGTERM) and waits for it to exit; data without AOF is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Kills and starts the server again on the same port. */
  restart(): Promise<void>;
  /**
   * Starts the server again on the same port after {@link RedisServer.kill} (an outage that lasts as long as you
   * like: a client connecting meanwhile sees ECONNREFUSED). A no-op while it runs.
   */
  start(): Promise<void>;
  /** True while the server process runs. */
  readonly running: boolean;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Starts a real redis-server on a free loopback port in a temp dir. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-redis-'));
  let child: ChildProcess | undefined;

  const launch = async () => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      options.appendOnly ? 'yes' : 'no',
      '--protected-mode',
      'no',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ];
    child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<never>((_, reject) =>
      child!.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${stderr}`))),
    );
    await Promise.race([waitForPort(port), exited]);
    exited.catch(() => undefined);
  };

  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
    });
  };

  await launch();
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    kill,
    async restart() {
      await kill();
      await launch();
    },
    async start() {
      if (child && child.exitCode === null) return;
      await launch();
    },
    get running() {
      return child !== undefined && child.exitCode === null;
    },
    async stop() {
      await kill();
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
