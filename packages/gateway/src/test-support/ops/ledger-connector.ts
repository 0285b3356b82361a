// Test support: a connector whose `sync` runs sdk-core's sync engine over an in-memory source, dead-lettering records
// its transform refuses, and which replays dead letters through the same transform and sink.
import { defineConnector, operationsFor, runIncrementalSync, type SyncSink } from '@relaykit/sdk-core';
import { z } from 'zod';

/** A source record: `amount` must be a number (unless the transform was made lenient, as a fix would). */
export interface LedgerRecord {
  id: number;
  version: number;
  amount: unknown;
  email?: string;
}

/** Per-instance state: the source, what the sink holds, and whether the transform accepts text amounts. */
export interface LedgerState {
  source: LedgerRecord[];
  rows: Map<string, { id: number; amount: number }>;
  lenient: boolean;
}

const transformOf = (state: LedgerState) => (raw: LedgerRecord) => {
  const amount = state.lenient ? Number(raw.amount) : raw.amount;
  if (typeof amount !== 'number' || Number.isNaN(amount))
    throw new Error(`amount of record ${raw.id} is not a number: ${JSON.stringify(raw.amount)}`);
  return { id: raw.id, amount };
};

const sinkOf = (state: LedgerState): SyncSink<{ id: number; amount: number }, LedgerRecord> => ({
  async write(batch) {
    for (const u of batch.upserts) state.rows.set(String(u.id), u.data);
  },
});

const op = operationsFor<LedgerState>();

/** The test connector (`ledger`). */
export const ledgerConnector = defineConnector({
  name: 'ledger',
  version: '0.0.0',
  config: z.object({}),
  setup: (): LedgerState => ({ source: [], rows: new Map(), lenient: false }),
  operations: {
    sync: op({
      description: 'Syncs the in-memory source.',
      idempotent: true,
      input: z.object({}),
      output: z.object({ deadLettered: z.number() }),
      async run(ctx) {
        const summary = await runIncrementalSync<LedgerRecord, { id: number; amount: number }>({
          source: `ledger:${ctx.instance}`,
          entity: 'Entry',
          fetchPage: async ({ after, limit }) => ({
            records: ctx.state.source
              .filter((r) => !after || r.version > Number(after.version))
              .sort((a, b) => a.version - b.version)
              .slice(0, limit),
          }),
          transform: transformOf(ctx.state),
          sink: sinkOf(ctx.state),
          checkpoints: ctx.checkpoints,
          ...(ctx.deadLetters ? { deadLetter: ctx.deadLetters } : {}),
        });
        return { deadLettered: summary.deadLettered };
      },
    }),
  },
  async replayDeadLetters(ctx, letters) {
    const transform = transformOf(ctx.state);
    const sink = sinkOf(ctx.state);
    const outcomes = [];
    for (const letter of letters) {
      try {
        const raw = letter.raw as LedgerRecord;
        await sink.write(
          {
            source: letter.source,
            entity: letter.entity,
            page: 0,
            upserts: [{ id: raw.id, version: BigInt(raw.version), data: transform(raw) }],
            deletes: [],
            checkpoint: undefined,
          },
          { signal: ctx.signal },
        );
        outcomes.push({ ok: true as const });
      } catch (error) {
        outcomes.push({ ok: false as const, reason: (error as Error).message });
      }
    }
    return outcomes;
  },
});
