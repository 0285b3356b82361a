import type { z } from 'zod';
import type { configScheduleSchema } from './definition.js';

type ConfigSchedule = z.input<typeof configScheduleSchema>;

/**
 * The schedules of the three seed examples (`examples/<name>/relaykit.schedules.yaml`), on the demo's
 * instances, so `relaykit start --demo` runs them and `GET /v1/schedules` lists them. The Mahak demo instance
 * also runs the connector's own `syncAll` (every 5 minutes), tuned the same way as in the example.
 */
export const DEMO_SCHEDULES: Record<string, Record<string, ConfigSchedule>> = {
  'sf-demo': {
    'donor-sync': {
      description: 'Contacts changed today, every 15 minutes.',
      operation: 'query',
      input: { soql: 'SELECT Id, LastName, Email FROM Contact WHERE SystemModstamp = TODAY', maxRecords: 50_000 },
      cron: '*/15 * * * *',
      overlap: 'skip',
      missed: 'once',
      jitter: '30s',
    },
  },
  'mahak-demo': {
    syncAll: { timeZone: 'Asia/Tehran', overlap: 'skip', missed: 'once', jitter: '20s' },
  },
  'wa-demo': {
    'morning-notice': {
      description: 'Morning notice to parents, 07:30 Asia/Kathmandu on school days (Sunday to Friday).',
      operation: 'broadcast',
      input: {
        broadcastId: 'morning-notice-{{fireDate}}',
        template: { name: 'morning_notice', language: 'ne', fallbackLanguages: ['en_US'] },
        recipients: [{ to: '9841234567', id: 'parent-1' }],
        respectQuietHours: true,
      },
      cron: '30 7 * * 0-5',
      timeZone: 'Asia/Kathmandu',
      overlap: 'skip',
      missed: 'skip',
      deadline: '30m',
    },
  },
};
