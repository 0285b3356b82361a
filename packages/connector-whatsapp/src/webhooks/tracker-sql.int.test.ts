import { postgresSqlClient, type SqlClient } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, describe, it } from 'vitest';
import { behaves } from '../test-support/webhooks/status-tracker.contract.js';
import { survivesRestart } from '../test-support/webhooks/sql-status-tracker.contract.js';
import { createSqlStatusTracker } from './tracker-sql.js';

const servers = sharedServers();

describe.skipIf(!servers.postgresUrl)('postgres', () => {
  let db: Promise<SqlClient> | undefined;
  afterAll(async () => {
    await (await db)?.close();
  });
  behaves('postgres status tracker', async () => {
    db ??= servers.freshDatabase().then((url) => postgresSqlClient({ url, max: 4 }));
    return createSqlStatusTracker({ db: await db, namespace: `t${Math.random().toString(36).slice(2)}` });
  });

  it('keeps statuses across a new connection pool (a restart)', async () => {
    const url = await servers.freshDatabase();
    await survivesRestart(async () => postgresSqlClient({ url, max: 2 }));
  }, 60_000);
});
