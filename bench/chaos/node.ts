// One gateway process of a chaos run (`node --import tsx bench/chaos/node.ts`): ROLE=api|worker, CHAOS_ENV=JSON of
// chaosConfig's input. Prints `ready <workerId|url>` once started, and `rss <bytes>` lines when asked by SAMPLE_MS.
import { silentLogger } from '@relaykit/sdk-core';
import { Gateway, parseConfig, type GatewayRole } from '@relaykit/gateway';
import { chaosConfig, upsertConnector } from './connector.js';

const env = JSON.parse(process.env.CHAOS_ENV!) as Parameters<typeof chaosConfig>[0];
const role = process.env.ROLE as GatewayRole;
const gateway = await Gateway.create({
  config: parseConfig(chaosConfig(env), {}),
  role,
  connectors: { records: upsertConnector },
  logger: silentLogger,
});
if (role === 'api') {
  const url = await gateway.listen(env.port, '127.0.0.1');
  process.stdout.write(`ready ${url}\n`);
} else {
  process.stdout.write(`ready ${gateway.runner!.workerId}\n`);
}
const stop = () =>
  void gateway.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
