import { pgliteSqlClient, type OperationContext, type SqlClient } from '@relaykit/sdk-core';
import { sharedServers } from '@relaykit/testkit/vitest';
import { afterAll, describe, expect, it } from 'vitest';
import type { StatusTracker } from '../webhooks/tracker.js';
import { createMemoryStatusTracker } from '../webhooks/tracker-memory.js';
import { createRedisStatusTracker } from '../webhooks/tracker-redis.js';
import { createSqlStatusTracker } from '../webhooks/tracker-sql.js';
import { whatsAppPrivacy, type TrackerState } from './index.js';

const servers = sharedServers();
let db: Promise<SqlClient> | undefined;
afterAll(async () => {
  await (await db)?.close();
});

const ctxOf = (tracker: StatusTracker) =>
  ({ instance: 'wa-school', state: { tracker } }) as unknown as OperationContext<TrackerState>;
const subject = (phone: string) => ({ phones: [phone], emails: [], externalIds: [] });

const backends: Array<[string, () => Promise<StatusTracker>]> = [
  ['memory', async () => createMemoryStatusTracker()],
  [
    'pglite',
    async () => {
      db ??= pgliteSqlClient();
      return createSqlStatusTracker({ db: await db, namespace: `t${Math.random().toString(36).slice(2)}` });
    },
  ],
  ...(servers.redisUrl
    ? [
        [
          'redis',
          async () =>
            createRedisStatusTracker({
              redisUrl: servers.redisUrl!,
              prefix: `wa-privacy:${Math.random().toString(36).slice(2)}:status`,
            }),
        ] as [string, () => Promise<StatusTracker>],
      ]
    : []),
];

describe.each(backends)('whatsAppPrivacy over the %s status tracker', (_name, open) => {
  it("exports and erases exactly one recipient's statuses, and purges by age", async () => {
    const tracker = await open();
    const ctx = ctxOf(tracker);
    await tracker.apply({ messageId: 'wamid.A1', status: 'sent', timestamp: 1, recipientId: '9779851112233' });
    // A later update without the recipient keeps it.
    await tracker.apply({ messageId: 'wamid.A1', status: 'read', timestamp: 3 });
    await tracker.apply({
      messageId: 'wamid.A2',
      status: 'failed',
      timestamp: 2,
      recipientId: '9779851112233',
      errors: [{ code: 131026 }],
    });
    await tracker.apply({ messageId: 'wamid.B1', status: 'delivered', timestamp: 2, recipientId: '9779841234567' });

    const records = [];
    for await (const r of whatsAppPrivacy.access(ctx, subject('+9779851112233'))) records.push(r);
    expect(records.map((r) => (r.data as { messageId: string }).messageId).sort()).toEqual(['wamid.A1', 'wamid.A2']);
    expect(records[0]).toMatchObject({ class: 'statuses', source: tracker.location });
    expect(records.find((r) => r.source.id === 'wamid.A1')?.data).toMatchObject({
      status: 'read',
      recipientId: '9779851112233',
    });

    expect(await whatsAppPrivacy.erase(ctx, subject('+977 985-1112233'))).toEqual({ statuses: 2 });
    expect(await tracker.get('wamid.A1')).toBeUndefined();
    expect(await tracker.get('wamid.A2')).toBeUndefined();
    expect(await tracker.get('wamid.B1')).toMatchObject({ status: 'delivered' });
    expect(await whatsAppPrivacy.erase(ctx, subject('+9779851112233'))).toEqual({ statuses: 0 });

    expect(await whatsAppPrivacy.purge!(ctx, {})).toEqual({});
    expect(await whatsAppPrivacy.purge!(ctx, { statuses: new Date(Date.now() - 60_000) })).toEqual({ statuses: 0 });
    expect(await whatsAppPrivacy.purge!(ctx, { statuses: new Date(Date.now() + 60_000) })).toEqual({ statuses: 1 });
    expect(await tracker.get('wamid.B1')).toBeUndefined();
    const left = [];
    for await (const r of whatsAppPrivacy.access(ctx, subject('+9779841234567'))) left.push(r);
    expect(left).toEqual([]);
    await tracker.close();
  }, 60_000);
});
