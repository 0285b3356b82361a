import { postgresSqlClient } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, it } from 'vitest';
import { statusesSurviveRestart } from './test-support/connector-restart.contract.js';

const servers = sharedServers();

describe.skipIf(!servers.postgresUrl)('postgres', () => {
  it('keeps delivery statuses across a restart on PostgreSQL', async () => {
    const url = await servers.freshDatabase();
    await statusesSurviveRestart(async () => postgresSqlClient({ url, max: 2 }));
  }, 120_000);
});
