import { randomUUID } from 'node:crypto';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test-support/harness.js';
import { auditHasNoHoles } from '../test-support/http/audit-holes.contract.js';

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

  it('JSON nested 5,000 deep is a 400 JSON_TOO_DEEP here too (was a RangeError 500)', async () => {
    const res = await t.call('POST', '/v1/echo-dev/put', {
      key: t.keys.dev,
      raw: `{"key":"k","value":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(res).toMatchObject({ status: 400, body: { code: 'JSON_TOO_DEEP' } });
  });
});
