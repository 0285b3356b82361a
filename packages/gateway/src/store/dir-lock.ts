import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The lock file a process holding a PGlite directory writes into it. */
export const LOCK_FILE = 'relaykit.lock';

/** Thrown when another live process holds the PGlite directory. */
export class DataDirInUseError extends Error {
  readonly code = 'DATA_DIR_IN_USE';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `the PGlite directory ${dir} is in use by process ${pid} (a running gateway?). PGlite is single-process: a second ` +
        'process writing to it would not be seen by the first and risks corrupting it. Manage keys through the running ' +
        'gateway (relaykit keys ... --url <gateway URL> --admin-key <key with the admin:keys scope>, or RELAYKIT_URL and ' +
        'RELAYKIT_ADMIN_KEY), or stop it first.',
    );
    this.name = 'DataDirInUseError';
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The directory on disk a PGlite `dataDir` names, or undefined for in-memory and browser stores. */
export function pgliteDirectory(dataDir: string): string | undefined {
  if (dataDir.startsWith('file://')) return dataDir.slice('file://'.length);
  return dataDir.includes('://') ? undefined : dataDir;
}

/**
 * Takes `dir` for this process (creating it): refuses with {@link DataDirInUseError} while another live process holds
 * it; a lock left by a process that died is taken over. Returns the release function.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      // The same process opening it again (tests reopening a directory) is its own business.
      if (holder === process.pid) return () => {};
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) throw new DataDirInUseError(dir, holder);
      rmSync(file, { force: true });
    }
  }
  return () => {
    try {
      if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  };
}
