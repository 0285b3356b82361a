import { request, type IncomingMessage } from 'node:http';
import { waitFor } from '@relaykit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../test-support/ops/backends.js';
import { waitFinal, type TestGateway } from '../test-support/harness.js';
import { liveStreams } from './stream.js';

/** An SSE client on node:http: collects events as they arrive, and can hang up. */
function openStream(url: string, key: string) {
  const events: Array<{ event: string; data: string }> = [];
  const comments: string[] = [];
  let buffer = '';
  let ended = false;
  const req = request(`${url}/v1/admin/stream`, {
    headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
  });
  const ready = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', (res) => {
      res.setEncoding('utf8');
      res.once('end', () => {
        ended = true;
      });
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          for (const line of lines) if (line.startsWith(':')) comments.push(line);
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (event && data !== undefined) events.push({ event, data });
          end = buffer.indexOf('\n\n');
        }
      });
      resolve(res);
    });
    req.once('error', reject);
  });
  req.end();
  return {
    events,
    comments,
    ready,
    /** True once the server ended the response (its last chunk arrived). */
    get ended() {
      return ended;
    },
    close: () => req.destroy(),
  };
}

for (const backend of BACKENDS) {
  describe(`GET /v1/admin/stream on ${backend.name}`, () => {
    let t: TestGateway;
    let reader: string;
    beforeAll(async () => {
      t = await backend.start({ ops: { streamInterval: '100ms', streamHeartbeat: '50ms', maxStreams: 2 } });
      reader = (await t.gateway.keys.create({ name: 'reader', environment: 'development', scopes: ['admin:read'] }))
        .secret;
    });
    afterAll(async () => {
      await t?.close();
    });

    it('sends stats events with counts, queues and circuits, and heartbeats', async () => {
      const stream = openStream(t.url, reader);
      const res = await stream.ready;
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      const job = await t.call('POST', '/v1/echo-dev/put', { key: t.keys.dev, body: { key: 'live' } });
      await waitFinal(t, job.body.id);
      // A stats event that already counts the job.
      await waitFor(
        () =>
          stream.events.some((e) => {
            const data = JSON.parse(e.data);
            return e.event === 'stats' && data.jobs.some((b: { succeeded: number }) => b.succeeded > 0);
          }),
        'a stats event counting the job',
        { timeoutMs: 10_000 },
      );
      const last = JSON.parse(stream.events.at(-1)!.data);
      expect(last.jobs).toHaveLength(5);
      expect(last.instances).toEqual([
        {
          name: 'echo-dev',
          healthy: expect.toSatisfy((v) => v === null || typeof v === 'boolean'),
          circuits: expect.any(Object),
          queue: expect.objectContaining({ waiting: expect.any(Number) }),
        },
      ]);
      await waitFor(() => stream.comments.includes(': heartbeat'), 'the condition', { timeoutMs: 10_000 });
      stream.close();
      await waitFor(() => liveStreams(t.gateway.config).size === 0, 'the condition', { timeoutMs: 10_000 });
    });

    it('clears its timers when the client goes away, and caps concurrent streams at ops.maxStreams', async () => {
      const a = openStream(t.url, reader);
      const b = openStream(t.url, reader);
      await Promise.all([a.ready, b.ready]);
      await waitFor(() => liveStreams(t.gateway.config).size === 2, 'the condition', { timeoutMs: 10_000 });
      const handles = [...liveStreams(t.gateway.config)];
      expect(handles.every((h) => !h.closed && h.timers() > 0)).toBe(true);

      const refused = await t.call('GET', '/v1/admin/stream', { key: reader });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ code: 'TOO_MANY_STREAMS' });
      expect(refused.headers.get('retry-after')).toBe('5');

      a.close();
      await waitFor(() => liveStreams(t.gateway.config).size === 1, 'the condition', { timeoutMs: 10_000 });
      const gone = handles.filter((h) => h.closed);
      expect(gone).toHaveLength(1);
      expect(gone[0]!.timers()).toBe(0);
      // Nothing is written to a closed stream any more: the other one keeps receiving.
      const before = b.events.length;
      await waitFor(() => b.events.length > before + 1, 'the condition', { timeoutMs: 10_000 });

      const c = openStream(t.url, reader);
      expect((await c.ready).statusCode).toBe(200);
      b.close();
      c.close();
      await waitFor(() => liveStreams(t.gateway.config).size === 0, 'the condition', { timeoutMs: 10_000 });
      expect(handles.every((h) => h.closed && h.timers() === 0)).toBe(true);
    });

    it('needs admin:read and refuses query parameters it does not know', async () => {
      expect((await t.call('GET', '/v1/admin/stream')).status).toBe(401);
      expect((await t.call('GET', '/v1/admin/stream', { key: t.keys.dev })).status).toBe(403);
      expect((await t.call('GET', '/v1/admin/stream?interval=1', { key: reader })).status).toBe(400);
      expect(liveStreams(t.gateway.config).size).toBe(0);
    });
  });
}

describe('live streams at shutdown', () => {
  it('end when the gateway closes, without holding its shutdown up', async () => {
    const t = await BACKENDS[0]!.start({ server: { port: 0, shutdownTimeout: '5s' } });
    const reader = (await t.gateway.keys.create({ name: 'r', environment: 'development', scopes: ['admin:read'] }))
      .secret;
    const stream = openStream(t.url, reader);
    await stream.ready;
    await waitFor(() => stream.events.length > 0, 'the condition', { timeoutMs: 10_000 });
    const handle = [...liveStreams(t.gateway.config)][0]!;
    const started = Date.now();
    await t.close();
    expect(Date.now() - started).toBeLessThan(4000);
    expect(handle.closed).toBe(true);
    expect(handle.timers()).toBe(0);
    await waitFor(() => stream.ended, 'the condition', { timeoutMs: 5000 });
  });
});
