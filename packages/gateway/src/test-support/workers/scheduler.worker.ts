// A worker process with the scheduling loop over the ticker connector, run as a child by the multi-process
// schedule test and `npm run bench -- schedules` (`node --import tsx`). Prints "ready <workerId>" once running.
import { silentLogger, type Logger } from '@relaykit/sdk-core';
import { parseConfig } from '../../config/index.js';
import { Gateway } from '../../gateway.js';
import { tickerConnector } from '../schedules/ticker.js';

const config = parseConfig(
  {
    redis: { url: process.env.REDIS_URL, prefix: process.env.QUEUE_PREFIX },
    database: { url: process.env.DATABASE_URL },
    jobs: { stallInterval: '2s', reconcileInterval: '2s', stallLimit: 5 },
    scheduler: { tick: process.env.SCHEDULER_TICK ?? '1s', batch: Number(process.env.SCHEDULER_BATCH ?? 500) },
    environments: ['development'],
    instances: {
      tick: { connector: 'ticker', environment: 'development', concurrency: Number(process.env.CONCURRENCY ?? 20) },
    },
  },
  {},
);
// Warnings (a failed scheduler pass, an enqueue that failed) go to stderr: a test that fails shows why.
const warn = (obj: unknown, msg?: string) => process.stderr.write(`warn ${msg ?? ''} ${JSON.stringify(obj)}\n`);
const logger: Logger = {
  ...silentLogger,
  warn: warn as Logger['warn'],
  error: warn as Logger['error'],
  child: () => logger,
};
const gateway = await Gateway.create({
  config,
  role: 'worker',
  connectors: { ticker: tickerConnector },
  logger,
});
process.stdout.write(`ready ${gateway.runner!.workerId}\n`);
const stop = () => void gateway.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// Every 5 s: passes so far by result, on stderr (a stuck or failing loop shows in a failed run's output).
setInterval(() => {
  void gateway.schedules.metrics.passes.get().then((m) => {
    const by = Object.fromEntries(m.values.map((v) => [String(v.labels.result), v.value]));
    process.stderr.write(`stat passes ${JSON.stringify(by)} running ${gateway.runner?.activeCount ?? 0}\n`);
  });
}, 5000).unref();
