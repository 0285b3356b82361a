import { describe, expect, it } from 'vitest';
import net from 'node:net';
import pg from 'pg';
import { sharedServers } from '@relaykit/testkit/vitest';
import { startRedis } from '@relaykit/testkit';

const servers = sharedServers();

function redisPing(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().trim());
    });
    socket.once('error', reject);
  });
}

describe.skipIf(!servers.redisUrl)('shared redis-server', () => {
  it('answers PING', async () => {
    expect(await redisPing(servers.redisUrl!)).toBe('+PONG');
  });

  it('a private server loses its data on restart without AOF', async () => {
    const redis = await startRedis();
    try {
      const send = (cmd: string) =>
        new Promise<string>((resolve, reject) => {
          const s = net.connect(redis.port, '127.0.0.1', () => s.write(cmd));
          s.once('data', (d) => {
            s.destroy();
            resolve(d.toString().trim());
          });
          s.once('error', reject);
        });
      expect(await send('SET k v\r\n')).toBe('+OK');
      await redis.restart();
      expect(await send('GET k\r\n')).toBe('$-1');
    } finally {
      await redis.stop();
    }
  });

  it('a killed server refuses connections until start() brings it back on the same port', async () => {
    const redis = await startRedis();
    try {
      await redis.kill();
      expect(redis.running).toBe(false);
      await expect(redisPing(redis.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await redis.start();
      expect(redis.running).toBe(true);
      expect(await redisPing(redis.url)).toBe('+PONG');
    } finally {
      await redis.stop();
    }
  });
});

describe.skipIf(!servers.postgresUrl)('shared PostgreSQL', () => {
  it('creates isolated databases that accept queries', async () => {
    const url = await servers.freshDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>('SELECT 9007199254740993::bigint::text AS n');
      expect(rows[0]?.n).toBe('9007199254740993');
    } finally {
      await client.end();
    }
  });
});
