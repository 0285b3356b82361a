// The SQL idempotency store on a real PostgreSQL server: the adapters' shared suite, and claims raced from separate
// connection pools (as separate processes would).
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { postgresSqlClient } from '../sql/postgres.js';
import { idempotencyStoreContract } from '../test-support/idempotency/store.contract.js';
import { SqlIdempotencyStore } from './sql.js';

const servers = sharedServers();

describe.skipIf(!servers.postgresUrl)('SqlIdempotencyStore on PostgreSQL', () => {
  let database: Promise<string> | undefined;
  let tables = 0;
  const open = async (table: string) => {
    database ??= servers.freshDatabase();
    const db = postgresSqlClient({ url: await database, max: 4 });
    const store = new SqlIdempotencyStore({ db, table });
    // The store leaves a handed-in database open; this suite opened it, so it closes it with the store.
    return Object.assign(store, { close: () => db.close() });
  };

  idempotencyStoreContract('postgres', () => open(`idem_${++tables}`));

  it('gives one claim to one of several pools racing for the same key, migrating the table once', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => open('idem_race')));
    try {
      for (let round = 0; round < 5; round++) {
        const states = await Promise.all(
          stores.flatMap((s) => Array.from({ length: 4 }, () => s.begin('t', `k${round}`, 'fp'))),
        );
        expect(states.filter((x) => x.state === 'new')).toHaveLength(1);
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
