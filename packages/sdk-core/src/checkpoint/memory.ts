import { decodeCursor, encodeCursor, type Checkpoint, type CheckpointStore, type Cursor } from './types.js';

/** An in-memory {@link CheckpointStore} (per process; lost on restart). Cursors are kept encoded, as in the other stores. */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly entries = new Map<string, { source: string; entity: string; cursor: string; updatedAt: Date }>();

  async get(source: string, entity: string): Promise<Cursor | undefined> {
    const entry = this.entries.get(key(source, entity));
    return entry ? decodeCursor(entry.cursor) : undefined;
  }

  async set(source: string, entity: string, cursor: Cursor): Promise<void> {
    this.entries.set(key(source, entity), { source, entity, cursor: encodeCursor(cursor), updatedAt: new Date() });
  }

  async delete(source: string, entity: string): Promise<void> {
    this.entries.delete(key(source, entity));
  }

  async list(source?: string): Promise<Checkpoint[]> {
    return [...this.entries.values()]
      .filter((e) => source === undefined || e.source === source)
      .map((e) => ({
        source: e.source,
        entity: e.entity,
        cursor: decodeCursor(e.cursor),
        updatedAt: new Date(e.updatedAt),
      }))
      .sort(byKey);
  }

  async close(): Promise<void> {}
}

const key = (source: string, entity: string) => JSON.stringify([source, entity]);

/** Orders checkpoints by source, then entity (every store lists in this order). */
export const byKey = (a: Checkpoint, b: Checkpoint): number =>
  a.source < b.source ? -1 : a.source > b.source ? 1 : a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0;
