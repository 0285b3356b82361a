import { nextStatus, type StatusTracker, type TrackedStatus } from './tracker.js';

/** An in-process {@link StatusTracker} (bounded by `maxEntries`, oldest forgotten first). */
export function createMemoryStatusTracker(options: { maxEntries?: number } = {}): StatusTracker {
  const max = options.maxEntries ?? 1_000_000;
  const map = new Map<string, TrackedStatus>();
  return {
    async apply(update) {
      const current = map.get(update.messageId);
      if (nextStatus(current, update) === 'keep')
        return { changed: false, current: current ?? { messageId: update.messageId, status: 'sent', timestamp: 0 } };
      const next: TrackedStatus = {
        messageId: update.messageId,
        status: update.status as TrackedStatus['status'],
        timestamp: update.timestamp,
        ...(update.status === 'failed' ? { errorCodes: (update.errors ?? []).map((e) => e.code) } : {}),
      };
      map.delete(update.messageId);
      map.set(update.messageId, next);
      if (map.size > max) map.delete(map.keys().next().value!);
      return { changed: true, current: next };
    },
    async get(messageId) {
      return map.get(messageId);
    },
    async close() {
      map.clear();
    },
  };
}
