import { pgliteSqlClient, postgresSqlClient, type SqlClient } from '@relaykit/sdk-core';

// One SQL port for the gateway and the connectors it hosts: sdk-core's, so a connector handed the gateway's
// database (e.g. the Mahak sync on the embedded demo) writes through the same engine as the job records.
export type { SqlClient } from '@relaykit/sdk-core';

/** Opens a PostgreSQL pool. */
export function postgresClient(url: string, options: { max?: number } = {}): SqlClient {
  return postgresSqlClient({ url, max: options.max ?? 20 });
}

/** Opens an embedded PGlite database (`memory://` or a directory). */
export function pgliteClient(dataDir = 'memory://'): Promise<SqlClient> {
  return pgliteSqlClient(dataDir);
}

/** PostgreSQL when `url` is given, PGlite otherwise. */
export async function openSql(options: { url?: string | undefined; dataDir?: string | undefined }): Promise<SqlClient> {
  return options.url ? postgresClient(options.url) : pgliteClient(options.dataDir);
}
