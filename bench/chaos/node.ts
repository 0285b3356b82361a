// One gateway process of a chaos run (`node --import tsx bench/chaos/node.ts`): ROLE=api|worker, CHAOS_ENV=JSON of
// chaosConfig's input. Prints `ready <workerId|url>` once started, then `queue up` / `queue down` on each change.
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
// Whether this process' queue answers, on every change: the driver times each process' recovery after Redis returns.
let up: boolean | undefined;
setInterval(() => {
  void gateway.queue.ping().then((ok) => {
    if (ok === up) return;
    up = ok;
    process.stdout.write(`queue ${ok ? 'up' : 'down'}\n`);
  });
}, 100).unref();
const stop = () =>
  void gateway.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
