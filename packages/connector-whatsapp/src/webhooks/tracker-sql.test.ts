import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgliteSqlClient, type SqlClient } from '@relaykit/sdk-core';
import { afterAll, expect, it } from 'vitest';
import { behaves } from '../test-support/webhooks/status-tracker.contract.js';
import { survivesRestart } from '../test-support/webhooks/sql-status-tracker.contract.js';
import { createSqlStatusTracker } from './tracker-sql.js';

// One embedded database for the shared suite; a namespace per tracker keeps them apart.
let db: Promise<SqlClient> | undefined;
afterAll(async () => {
  await (await db)?.close();
});
behaves('pglite status tracker', async () => {
  db ??= pgliteSqlClient();
  return createSqlStatusTracker({ db: await db, namespace: `t${Math.random().toString(36).slice(2)}` });
});

it('keeps statuses in a PGlite data directory across a close and reopen', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relaykit-wa-tracker-'));
  try {
    await survivesRestart(() => pgliteSqlClient(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);

it('refuses a table name that is not a plain identifier', () => {
  expect(() => createSqlStatusTracker({ db: {} as SqlClient, table: 'x; DROP TABLE y' })).toThrow(RangeError);
});
