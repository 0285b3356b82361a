import { pgliteSqlClient, postgresSqlClient, type SqlClient } from '@relaykit/sdk-core';
import { lockDataDir, pgliteDirectory } from './dir-lock.js';

export { DataDirInUseError } from './dir-lock.js';

// One SQL port for the gateway and the connectors it hosts: sdk-core's, so a connector handed the gateway's
// database (e.g. the Mahak sync on the embedded demo) writes through the same engine as the job records.
export type { SqlClient } from '@relaykit/sdk-core';

/** Opens a PostgreSQL pool. */
export function postgresClient(url: string, options: { max?: number } = {}): SqlClient {
  return postgresSqlClient({ url, max: options.max ?? 20 });
}

/**
 * Opens an embedded PGlite database (`memory://` or a directory, created when missing). A directory is locked for this
 * process while open: PGlite is single-process, so a second process is refused with a {@link DataDirInUseError}.
 */
export async function pgliteClient(dataDir = 'memory://'): Promise<SqlClient> {
  const dir = pgliteDirectory(dataDir);
  if (!dir) return pgliteSqlClient(dataDir);
  const release = lockDataDir(dir);
  let client: SqlClient;
  try {
    client = await pgliteSqlClient(dataDir);
  } catch (error) {
    release();
    throw error;
  }
  const close = client.close.bind(client);
  client.close = async () => {
    try {
      await close();
    } finally {
      release();
    }
  };
  return client;
}

/** PostgreSQL when `url` is given, PGlite otherwise. */
export async function openSql(options: { url?: string | undefined; dataDir?: string | undefined }): Promise<SqlClient> {
  return options.url ? postgresClient(options.url) : pgliteClient(options.dataDir);
}
