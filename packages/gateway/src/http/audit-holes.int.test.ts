import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerGateway, type TestGateway } from '../test-support/harness.js';
import { auditHasNoHoles } from '../test-support/http/audit-holes.contract.js';

const servers = sharedServers();

describe.skipIf(!servers.postgresUrl)('audit trail without holes (PostgreSQL)', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startServerGateway();
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
