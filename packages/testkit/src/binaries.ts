import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Finds an executable on PATH, or returns undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The directory holding initdb, pg_ctl and postgres: `PG_BIN` when set, else the newest
 * `/usr/lib/postgresql/<major>/bin` (Debian's layout), else wherever `pg_ctl` is on PATH.
 */
export function postgresBinDir(): string | undefined {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'pg_ctl'))) return fromEnv;
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const majors = readdirSync(debianRoot)
      .filter((d) => existsSync(join(debianRoot, d, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (majors[0]) return join(debianRoot, majors[0], 'bin');
  }
  const onPath = which('pg_ctl');
  return onPath ? join(onPath, '..') : undefined;
}

/** Why a server cannot be started here, or undefined when it can. */
export function missingRedis(): string | undefined {
  return which('redis-server') ? undefined : 'redis-server is not on PATH (Debian: apt-get install redis-server)';
}

/** Why PostgreSQL cannot be started here, or undefined when it can. */
export function missingPostgres(): string | undefined {
  const dir = postgresBinDir();
  if (!dir)
    return 'no PostgreSQL binaries found in PG_BIN, /usr/lib/postgresql/*/bin or PATH (Debian: apt-get install postgresql)';
  if (!existsSync(join(dir, 'initdb'))) return `initdb is missing from ${dir}`;
  return undefined;
}
