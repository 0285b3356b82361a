import { BeeJobQueue } from './bee.js';
import { MemoryJobQueue } from './memory.js';
import type { JobQueue } from './types.js';

export type * from './types.js';
export { queueIdOf } from './types.js';
export { MemoryJobQueue } from './memory.js';
export { BeeJobQueue, redisOptionsFromUrl, type BeeJobQueueOptions } from './bee.js';

/** bee-queue when `redisUrl` is given, the in-memory queue otherwise. */
export function createJobQueue(options: {
  redisUrl?: string | undefined;
  prefix?: string;
  stallInterval?: number;
}): JobQueue {
  return options.redisUrl
    ? new BeeJobQueue({ redisUrl: options.redisUrl, prefix: options.prefix, stallInterval: options.stallInterval })
    : new MemoryJobQueue();
}
