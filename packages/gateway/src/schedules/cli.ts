import type { Command, Option } from 'commander';
import type { GatewayConfig } from '../config/schema.js';
import { createJobQueue } from '../queue/index.js';
import { loadInstances } from '../runtime/instances.js';
import { migrate } from '../store/migrations.js';
import { openSql } from '../store/sql.js';
import { silentLogger } from '@relaykit/sdk-core';
import { declaredSchedules } from './declared.js';
import { enqueueFired } from './scheduler.js';
import { ScheduleStore, type ScheduleRecord } from './store.js';

/** What the schedule commands borrow from the program. */
export interface ScheduleCliContext {
  out(line: string): void;
  readConfig(file: string | undefined): Promise<{ config: GatewayConfig; baseDir: string }>;
  configOption(): Option;
}

const when = (iso: string | null) => (iso ? iso.replace('.000Z', 'Z') : '-');

function line(s: ScheduleRecord): string {
  const timing = s.timing.cron ? `cron "${s.timing.cron}" ${s.timing.timeZone}` : `every ${s.timing.every! / 1000}s`;
  const last = s.lastOutcome
    ? `${s.lastOutcome} ${when(s.lastFireAt)}${s.lastJobStatus ? ` (job ${s.lastJobStatus})` : ''}`
    : 'never';
  return `${s.id}  ${s.instance}/${s.operation}  ${timing}  ${s.paused ? 'PAUSED' : `next ${when(s.nextFireAt)}`}  last ${last}${s.lastLagMs !== null ? ` lag ${s.lastLagMs} ms` : ''}`;
}

/**
 * `relaykit schedules list|runs|run|pause|resume`: straight on the database (like `keys`), so they work
 * whether or not a gateway is running; a running gateway's scheduler sees the change on its next tick.
 */
export function registerScheduleCommands(program: Command, ctx: ScheduleCliContext): void {
  const schedules = program
    .command('schedules')
    .description(
      'List, pause, resume and run schedules now (declared in the configuration, by connectors, or made through the API).',
    );

  const withStore = async <T>(
    file: string | undefined,
    fn: (store: ScheduleStore, config: GatewayConfig, baseDir: string) => Promise<T>,
  ) => {
    const { config, baseDir } = await ctx.readConfig(file);
    if (!config.database.url && config.database.dataDir === 'memory://')
      throw new Error('schedules live in the database: set DATABASE_URL or database.dataDir in the configuration');
    const sql = await openSql({ url: config.database.url, dataDir: config.database.dataDir });
    try {
      await migrate(sql);
      return await fn(new ScheduleStore(sql), config, baseDir);
    } finally {
      await sql.close();
    }
  };
  const find = async (store: ScheduleStore, id: string) => {
    const s = await store.get(id);
    if (!s) throw new Error(`no schedule ${id} (see "relaykit schedules list")`);
    return s;
  };

  schedules
    .command('list')
    .description('Every schedule with its next fire time, last outcome and lag.')
    .addOption(ctx.configOption())
    .option('--sync', 'write the schedules of the configuration and its connectors first (as gateway start-up does)')
    .action(async (options: { config?: string; sync?: boolean }) => {
      await withStore(options.config, async (store, config, baseDir) => {
        if (options.sync) {
          const instances = await loadInstances(config, { baseDir });
          await store.syncDeclared(declaredSchedules(instances), [...instances.keys()]);
        }
        const all = await store.list();
        if (!all.length) ctx.out('no schedules');
        for (const s of all) ctx.out(line(s));
      });
    });

  schedules
    .command('runs')
    .description('Run history of one schedule, newest first, with each job and its lag.')
    .addOption(ctx.configOption())
    .argument('<id>', 'schedule id (e.g. mahak-store.syncAll)')
    .option('-n, --limit <n>', 'how many', (v) => Number(v), 20)
    .action(async (id: string, options: { config?: string; limit: number }) => {
      await withStore(options.config, async (store) => {
        await find(store, id);
        for (const r of await store.runs(id, options.limit))
          ctx.out(
            `${when(r.fireAt)}  ${r.outcome.padEnd(15)} ${r.jobId ?? '-'} ${r.jobStatus ?? ''}${r.lagMs !== null ? ` lag ${r.lagMs} ms` : ''}`,
          );
      });
    });

  for (const action of ['pause', 'resume'] as const) {
    schedules
      .command(action)
      .description(
        action === 'pause'
          ? 'Pause a schedule: no fires until resumed.'
          : 'Resume: the next fire is the first fire time from now.',
      )
      .addOption(ctx.configOption())
      .argument('<id>', 'schedule id')
      .action(async (id: string, options: { config?: string }) => {
        await withStore(options.config, async (store) => {
          await find(store, id);
          ctx.out(line((await store.setPaused(id, action === 'pause'))!));
        });
      });
  }

  schedules
    .command('run')
    .description('Run a schedule now: one job at once, recorded as a manual run.')
    .addOption(ctx.configOption())
    .argument('<id>', 'schedule id')
    .action(async (id: string, options: { config?: string }) => {
      await withStore(options.config, async (store, config) => {
        await find(store, id);
        const fired = await store.runNow(id, config.instances[(await find(store, id)).instance]?.retry.attempts ?? 1);
        if (!fired) throw new Error(`no schedule ${id}`);
        // With Redis the job goes on the queue now; otherwise a running gateway's reconciler picks the record up.
        if (config.redis.url) {
          const queue = createJobQueue({ redisUrl: config.redis.url, prefix: config.redis.prefix });
          try {
            await enqueueFired(queue, silentLogger, [fired]);
          } finally {
            await queue.close(1000);
          }
        }
        ctx.out(`job ${fired.jobId} queued for ${id}`);
      });
    });
}
