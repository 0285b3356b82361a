import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { missingPostgres, postgresBinDir } from './binaries.js';
import { freePort } from './ports.js';

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster on loopback. */
export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  /** Connection URL of the `postgres` database as the `postgres` superuser. */
  readonly url: string;
  readonly dataDir: string;
  /** Creates a new empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /**
   * Stops the cluster (fast mode: every connection is cut at once, as in an operator's restart), waits `downMs`, and
   * starts it again on the same port with the same data.
   */
  restart(downMs?: number): Promise<void>;
  /** Stops the cluster (immediate mode) and removes its directory. */
  stop(): Promise<void>;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (initdb and pg_ctl refuse root). */
async function asPostgres(bin: string, args: string[]): Promise<void> {
  if (isRoot()) await run('runuser', ['-u', 'postgres', '--', bin, ...args], { cwd: '/tmp' });
  else await run(bin, args);
}

let counter = 0;

/**
 * Starts a real PostgreSQL cluster (initdb + pg_ctl) on a free loopback port in a temp dir,
 * tuned for tests (fsync off). Throws with the reason when the binaries are missing.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const missing = missingPostgres();
  if (missing) throw new Error(missing);
  const bin = postgresBinDir()!;
  const port = await freePort();
  const base = mkdtempSync(join(tmpdir(), 'relaykit-pg-'));
  chmodSync(base, 0o755);
  const dataDir = join(base, 'data');
  if (isRoot()) {
    const { uid, gid } = await pgIds();
    chownSync(base, uid, gid);
  }
  await asPostgres(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '-A',
    'trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const opts = `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const start = () =>
    asPostgres(join(bin, 'pg_ctl'), [
      '-D',
      dataDir,
      '-o',
      opts,
      '-l',
      join(base, 'postgres.log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    process.off('exit', onExit);
    try {
      await asPostgres(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already stopped */
    }
    rmSync(base, { recursive: true, force: true });
  };
  const onExit = () => {
    try {
      // Last resort on a crashed test run: synchronous stop so no postgres is orphaned.
      execFileSync(
        isRoot() ? 'runuser' : join(bin, 'pg_ctl'),
        isRoot()
          ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop']
          : ['-D', dataDir, '-m', 'immediate', 'stop'],
        { stdio: 'ignore' },
      );
    } catch {
      /* ignore */
    }
  };
  process.once('exit', onExit);
  return {
    host: '127.0.0.1',
    port,
    url,
    dataDir,
    createDatabase: (name) => createDatabase(url, name),
    async restart(downMs = 0) {
      // Fast, not immediate: the cluster runs with fsync and synchronous_commit off, so a crash-style stop can lose
      // the last commits (a test's schema included); fast mode still cuts every connection at once.
      await asPostgres(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    stop,
  };
}

async function pgIds(): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/** Creates a fresh database on an already running server given its admin URL. */
export async function createDatabase(adminUrl: string, name?: string): Promise<string> {
  const db = name ?? `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${db.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${db}`;
  return u.toString();
}
