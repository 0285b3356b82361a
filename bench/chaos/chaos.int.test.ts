// The chaos suite's short profile, in `npm test`: an API and two workers on real Redis and PostgreSQL through worker
// SIGKILL and SIGSTOP past the lease, a Redis restart without persistence, a Redis outage with a worker started during
// it, upstream 503/429/latency storms and API SIGTERM/SIGKILL with requests in flight.
import { sharedServers } from '@relaykit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { runChaos } from './driver.js';
import { profiles } from './profiles.js';

const servers = sharedServers();

describe.skipIf(!(servers.redisUrl && servers.postgresUrl))('chaos (short profile)', () => {
  it('loses nothing, writes nothing wrong, never answers 5xx during a Redis outage, and recovers', async () => {
    const result = await runChaos({ ...profiles.short, postgresUrl: servers.postgresUrl! });
    console.log(JSON.stringify({ bench: 'chaos', ...result }));
    expect(result.accepted).toBeGreaterThan(0);
    expect(result.accepted).toBe(result.submitted);
    expect(result.lost).toBe(0);
    expect(result.wrong).toBe(0);
    expect(result.succeeded + result.dead + result.failed).toBe(result.accepted);
    expect(result.withoutReason).toBe(0);
    expect(result.replayMismatches).toBe(0);
    expect(result.http5xx.duringRedisOutage).toBe(0);
    expect(result.apiReadyAfterRedisMs.length).toBe(2);
    for (const ms of result.apiReadyAfterRedisMs) expect(ms).toBeLessThanOrEqual(5000);
    // Every process (the API and each worker, the one started during the outage included) answers again.
    for (const ms of result.allReadyAfterRedisMs) expect(ms).toBeGreaterThanOrEqual(0);
    for (const ms of result.allReadyAfterRedisMs) expect(ms).toBeLessThanOrEqual(5000);
    for (const t of result.takeoverMs) expect(t.ms).not.toBeNull();
    for (const d of result.drainMs) expect(d.ms).not.toBeNull();
  }, 150_000);
});
