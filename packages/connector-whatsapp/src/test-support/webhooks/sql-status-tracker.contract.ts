import type { SqlClient } from '@relaykit/sdk-core';
import { expect } from 'vitest';
import { createSqlStatusTracker } from '../../webhooks/tracker-sql.js';

/** Statuses written through one connection are there, unchanged and still monotonic, after the database is reopened. */
export async function survivesRestart(open: () => Promise<SqlClient>): Promise<void> {
  let db = await open();
  let tracker = createSqlStatusTracker({ db, namespace: 'school' });
  await tracker.apply({ messageId: 'm1', status: 'read', timestamp: 3 });
  await tracker.apply({ messageId: 'm1', status: 'delivered', timestamp: 2 });
  await tracker.apply({ messageId: 'm2', status: 'sent', timestamp: 1 });
  await tracker.apply({
    messageId: 'm2',
    status: 'failed',
    timestamp: 2,
    errors: [{ code: 131026 }, { code: 131049 }],
  });
  await tracker.close();
  await db.close();

  db = await open();
  tracker = createSqlStatusTracker({ db, namespace: 'school' });
  expect(await tracker.get('m1')).toEqual({ messageId: 'm1', status: 'read', timestamp: 3 });
  expect(await tracker.get('m2')).toEqual({
    messageId: 'm2',
    status: 'failed',
    timestamp: 2,
    errorCodes: [131026, 131049],
  });
  expect((await tracker.apply({ messageId: 'm1', status: 'sent', timestamp: 4 })).changed).toBe(false);
  expect(await tracker.apply({ messageId: 'm2', status: 'delivered', timestamp: 5 })).toMatchObject({
    changed: true,
    current: { status: 'delivered', timestamp: 5 },
  });
  expect(await createSqlStatusTracker({ db, namespace: 'other' }).get('m1')).toBeUndefined();
  await tracker.close();
  await db.close();
}
