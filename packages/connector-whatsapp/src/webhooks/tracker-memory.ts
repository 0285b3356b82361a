import { nextStatus, recipientDigits, type StatusTracker, type TrackedStatus } from './tracker.js';

/** An in-process {@link StatusTracker} (bounded by `maxEntries`, oldest forgotten first). */
export function createMemoryStatusTracker(options: { maxEntries?: number } = {}): StatusTracker {
  const max = options.maxEntries ?? 1_000_000;
  const map = new Map<string, TrackedStatus & { updatedAt: number }>();
  const view = ({ updatedAt: _, ...status }: TrackedStatus & { updatedAt: number }): TrackedStatus => status;
  return {
    location: { store: 'memory', name: 'whatsapp-statuses' },
    async apply(update) {
      const current = map.get(update.messageId);
      if (nextStatus(current, update) === 'keep')
        return {
          changed: false,
          current: current ? view(current) : { messageId: update.messageId, status: 'sent', timestamp: 0 },
        };
      const recipientId = update.recipientId ? recipientDigits(update.recipientId) : current?.recipientId;
      const next: TrackedStatus = {
        messageId: update.messageId,
        status: update.status as TrackedStatus['status'],
        timestamp: update.timestamp,
        ...(update.status === 'failed' ? { errorCodes: (update.errors ?? []).map((e) => e.code) } : {}),
        ...(recipientId ? { recipientId } : {}),
      };
      map.delete(update.messageId);
      map.set(update.messageId, { ...next, updatedAt: Date.now() });
      if (map.size > max) map.delete(map.keys().next().value!);
      return { changed: true, current: next };
    },
    async get(messageId) {
      const found = map.get(messageId);
      return found ? view(found) : undefined;
    },
    async byRecipient(recipientId) {
      const digits = recipientDigits(recipientId);
      return [...map.values()].filter((s) => digits && s.recipientId === digits).map(view);
    },
    async forgetRecipient(recipientId) {
      const digits = recipientDigits(recipientId);
      let n = 0;
      for (const [id, s] of map)
        if (digits && s.recipientId === digits) {
          map.delete(id);
          n++;
        }
      return n;
    },
    async purge(before) {
      let n = 0;
      for (const [id, s] of map)
        if (s.updatedAt < before.getTime()) {
          map.delete(id);
          n++;
        }
      return n;
    },
    async close() {
      map.clear();
    },
  };
}
