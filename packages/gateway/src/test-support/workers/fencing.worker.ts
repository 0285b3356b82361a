// A worker process for the fencing test (`node --import tsx`): prints "ready <workerId>" once consuming.
import { silentLogger } from '@relaykit/sdk-core';
import { parseConfig } from '../../config/index.js';
import { Gateway } from '../../gateway.js';
import { sleeperConfig, sleeperConnector } from '../runtime/sleeper-connector.js';

const config = parseConfig(
  sleeperConfig({
    redisUrl: process.env.REDIS_URL!,
    databaseUrl: process.env.DATABASE_URL!,
    upstreamUrl: process.env.UPSTREAM_URL!,
    prefix: process.env.QUEUE_PREFIX!,
  }),
  {},
);
const gateway = await Gateway.create({
  config,
  role: 'worker',
  connectors: { sleeper: sleeperConnector },
  logger: silentLogger,
});
process.stdout.write(`ready ${gateway.runner!.workerId}\n`);
const stop = () => void gateway.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
