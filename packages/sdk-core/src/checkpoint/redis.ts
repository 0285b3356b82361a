import { resolveRedis, toRedisError, type RedisConnectionOptions, type RedisHandle } from '../redis/index.js';
import { CheckpointError } from './errors.js';
import { byKey } from './memory.js';
import { decodeCursor, encodeCursor, type Checkpoint, type CheckpointStore, type Cursor } from './types.js';

/** Options of {@link RedisCheckpointStore}. */
export interface RedisCheckpointStoreOptions extends RedisConnectionOptions {
  /** Key of the Redis hash holding the checkpoints (default `relaykit:cp`). */
  prefix?: string;
}

/**
 * A {@link CheckpointStore} in one Redis hash (`<prefix>`): field `["source","entity"]`, value
 * `{"c":"<tagged cursor>","t":<ms>}`. Cursors are stored as tagged strings, so an int64 comes back a bigint, digit
 * for digit. Each `set` is a single HSET, atomic and durable as your Redis persistence is configured.
 */
export class RedisCheckpointStore implements CheckpointStore {
  private readonly handle: RedisHandle;
  private readonly key: string;

  constructor(options: RedisCheckpointStoreOptions) {
    this.handle = resolveRedis(options);
    this.key = options.prefix ?? 'relaykit:cp';
  }

  async get(source: string, entity: string): Promise<Cursor | undefined> {
    const raw = await this.run(() => this.handle.client.hget(this.key, field(source, entity)));
    return raw === null ? undefined : parse(raw, source, entity).cursor;
  }

  async set(source: string, entity: string, cursor: Cursor): Promise<void> {
    const value = JSON.stringify({ c: encodeCursor(cursor), t: Date.now() });
    await this.run(() => this.handle.client.hset(this.key, field(source, entity), value));
  }

  async delete(source: string, entity: string): Promise<void> {
    await this.run(() => this.handle.client.hdel(this.key, field(source, entity)));
  }

  async list(source?: string): Promise<Checkpoint[]> {
    const all = await this.run(() => this.handle.client.hgetall(this.key));
    const out: Checkpoint[] = [];
    for (const [f, raw] of Object.entries(all)) {
      const [s, e] = JSON.parse(f) as [string, string];
      if (source !== undefined && s !== source) continue;
      const { cursor, updatedAt } = parse(raw, s, e);
      out.push({ source: s, entity: e, cursor, updatedAt });
    }
    return out.sort(byKey);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async run<R>(command: () => Promise<R>): Promise<R> {
    try {
      return await command();
    } catch (error) {
      throw toRedisError(this.handle.client, error);
    }
  }
}

const field = (source: string, entity: string) => JSON.stringify([source, entity]);

function parse(raw: string, source: string, entity: string): { cursor: Cursor; updatedAt: Date } {
  try {
    const value = JSON.parse(raw) as { c: string; t: number };
    return { cursor: decodeCursor(value.c), updatedAt: new Date(value.t) };
  } catch (cause) {
    throw new CheckpointError(`unreadable checkpoint for ${source}/${entity} in Redis`, { cause });
  }
}
