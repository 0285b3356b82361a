// One gateway process of a chaos run (`node --import tsx bench/chaos/node.ts`): ROLE=api|worker, CHAOS_ENV=JSON of
// chaosConfig's input. Prints `ready <workerId|url>` once started, then `queue up` / `queue down` on each change.
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
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
// The soak's memory figures. RSS alone cannot tell a leak (live objects growing) from V8 sizing its heap or the
// allocator keeping freed pages: with MEM_MS set this prints `mem {…}` (as the process is, no collection forced) that
// often, `major {…}` after each full collection V8 makes, and `live {…}` after a forced one whenever stdin says `gc`.
const memory = () => {
  const m = process.memoryUsage();
  const h = getHeapStatistics();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    heapPhysical: h.total_physical_size,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    malloced: h.malloced_memory,
    codeSpace: getHeapSpaceStatistics().find((s) => s.space_name === 'code_space')?.space_size ?? 0,
  };
};
const memMs = Number(process.env.MEM_MS ?? 0);
if (memMs > 0) {
  setInterval(() => process.stdout.write(`mem ${JSON.stringify(memory())}\n`), memMs).unref();
  // After each full collection V8 runs by itself: what the old generation still holds (plus memory outside the heap)
  // is the live memory, read without forcing collections that would change how V8 sizes the heap.
  const OLD = new Set(['old_space', 'code_space', 'large_object_space', 'code_large_object_space']);
  new PerformanceObserver((list) => {
    if (
      !list
        .getEntries()
        .some((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
    )
      return;
    const old = getHeapSpaceStatistics()
      .filter((s) => OLD.has(s.space_name))
      .reduce((sum, s) => sum + s.space_used_size, 0);
    process.stdout.write(`major ${JSON.stringify({ ...memory(), heapUsed: old })}\n`);
  }).observe({ entryTypes: ['gc'] });
}
let gc: (() => void) | undefined;
// Commands on stdin: `gc` (collect, then print `live {…}`), `snapshot <path>` (write a heap snapshot there, to compare
// retained objects between two points of a soak; it inflates RSS for the rest of the run).
process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
  for (const line of chunk.split('\n')) {
    if (line === 'gc') {
      if (!gc) {
        setFlagsFromString('--expose-gc');
        gc = runInNewContext('gc') as () => void;
      }
      gc();
      process.stdout.write(`live ${JSON.stringify(memory())}\n`);
    } else if (line.startsWith('snapshot ')) {
      const file = writeHeapSnapshot(line.slice('snapshot '.length));
      process.stdout.write(`snapshot-written ${file}\n`);
    }
  }
});
process.stdin.unref?.();
const stop = () =>
  void gateway.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
