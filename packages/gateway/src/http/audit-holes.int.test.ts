import { randomUUID } from 'node:crypto';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/harness.js';
import { auditHasNoHoles } from './audit-holes.behaviour.js';

const servers = sharedServers();

describe.skipIf(!servers.postgresUrl)('audit trail without holes (PostgreSQL)', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      redis: { url: servers.redisUrl!, prefix: `rk-${randomUUID().slice(0, 8)}` },
      database: { url: await servers.freshDatabase(), dataDir: 'memory://' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  auditHasNoHoles(() => t);
});
