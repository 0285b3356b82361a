// A `relaykit worker` equivalent over the echo connector, run as a child process by the
// multi-worker tests (`node --import tsx`). Prints "ready <workerId>" once consuming.
import { silentLogger } from '@relaykit/sdk-core';
import { parseConfig } from '../../config/index.js';
import { Gateway } from '../../gateway.js';
import { echoConnector } from '../echo.js';

const config = parseConfig(
  {
    redis: { url: process.env.REDIS_URL, prefix: process.env.QUEUE_PREFIX },
    database: { url: process.env.DATABASE_URL },
    jobs: { stallInterval: '1s', reconcileInterval: '1s', stallLimit: 2 },
    environments: ['development'],
    instances: {
      'echo-dev': {
        connector: 'echo',
        environment: 'development',
        config: { baseUrl: process.env.UPSTREAM_URL },
        concurrency: 2,
      },
    },
  },
  {},
);
const gateway = await Gateway.create({
  config,
  role: 'worker',
  connectors: { echo: echoConnector },
  logger: silentLogger,
});
process.stdout.write(`ready ${gateway.runner!.workerId}\n`);
const stop = () => void gateway.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
