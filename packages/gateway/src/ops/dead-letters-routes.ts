import type { DeadLetter, DeadLetterReplayOutcome, OperationContext } from '@relaykit/sdk-core';
import { z } from 'zod';
import { isJobId } from '../store/job-id.js';
import type { HttpDeps } from '../http/types.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { discardDeadJobs, listDeadLetters, SYNC_ID_PREFIX } from './dead-letter-queries.js';
import { actorOf } from './errors-routes.js';
import { OpsJobQueries } from './job-queries.js';
import { enqueueRetried } from './jobs-routes.js';
import { maskPayload } from './masking.js';
import { defineRoute, type Route } from '../http/route.js';
import { SyncDeadLetterStore, type StoredSyncDeadLetter } from './sync-dead-letters.js';

const tags = ['operator: dead letters'];

const DeadLetterView = z.object({
  id: z.string().describe('A job id, or `sdl_<n>` for a sync dead letter'),
  kind: z.enum(['job', 'sync']),
  instance: z.string(),
  subject: z.string().describe('The job’s operation, or the sync’s entity'),
  source: z.string().nullable(),
  recordId: z.string().nullable(),
  version: z.string().nullable(),
  reason: z.string(),
  code: z.string().nullable(),
  at: z.string(),
  payload: z.unknown().describe('The job’s input or the sync record as read, masked'),
});

const Ids = z.array(z.string().min(1).max(100)).min(1).max(100).describe('Up to 100 ids from the dead-letter list');

const ResultView = z.object({
  id: z.string(),
  outcome: z.enum(['replayed', 'failed', 'discarded', 'not_found']),
  reason: z.string().optional(),
});

const syncSeq = (id: string) => (/^sdl_[1-9][0-9]{0,17}$/.test(id) ? id.slice(SYNC_ID_PREFIX.length) : undefined);

/** Sends sync dead letters of one instance back through its connector's transform and sink. */
async function replaySync(deps: HttpDeps, letters: StoredSyncDeadLetter[]): Promise<DeadLetterReplayOutcome[]> {
  const instance = deps.instances.get(letters[0]!.instance);
  const runtime = instance?.runtime;
  const replay = instance?.connector.replayDeadLetters;
  if (!instance || !runtime || !replay)
    return letters.map(() => ({
      ok: false as const,
      reason: `instance ${letters[0]!.instance} ${instance ? 'cannot replay dead letters (its connector has no replayDeadLetters)' : 'is not configured'}`,
    }));
  const ctx: OperationContext<unknown> = {
    ...runtime.services,
    instance: instance.name,
    state: runtime.state,
    signal: AbortSignal.timeout(instance.config.timeout),
    attempt: 1,
    progress: () => undefined,
  };
  const input: DeadLetter[] = letters.map((l) => ({
    source: l.source,
    entity: l.entity,
    id: l.recordId,
    version: l.version,
    raw: l.raw,
    reason: l.reason,
    code: l.code ?? undefined,
    error: undefined,
    at: new Date(l.at),
  }));
  try {
    const outcomes = await replay(ctx, input);
    return letters.map((_, i) => outcomes[i] ?? { ok: false, reason: 'the connector gave no outcome for this letter' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return letters.map(() => ({ ok: false as const, reason }));
  }
}

/** The operator routes for dead letters: one view of dead jobs and sync dead letters, replay, discard. */
export const DEAD_LETTER_ROUTES: Route[] = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/dead-letters',
    operationId: 'admin.deadLetters.list',
    summary: 'Dead jobs and sync dead letters of the caller’s environment in one view, newest first (masked)',
    permission: 'admin:read',
    tags,
    query: z.object({
      kind: z.enum(['job', 'sync']).optional(),
      instance: z.string().min(1).max(200).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().min(1).max(500).optional(),
    }),
    response: z.object({ deadLetters: z.array(DeadLetterView), nextCursor: z.string().nullable() }),
    async handler({ deps, principal, query }) {
      const { limit, cursor, ...filter } = query;
      const page = await listDeadLetters(deps.sql, principal.environment, filter, {
        limit,
        after: cursor ? decodeCursor(cursor) : undefined,
      });
      const deadLetters = await Promise.all(
        page.letters.map(async ({ raw, ...letter }) => ({
          ...letter,
          payload: maskPayload(letter.kind === 'job' ? ((await deps.store.get(letter.id))?.input ?? null) : raw, false),
        })),
      );
      return { deadLetters, nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/dead-letters/replay',
    operationId: 'admin.deadLetters.replay',
    summary:
      'Replay dead letters: a dead job is retried; a sync record goes back through the connector’s transform and sink',
    permission: 'admin:operate',
    tags,
    body: z.strictObject({ ids: Ids }),
    example: { ids: ['job_0mij2k3l4a1b2c3d4e5f6a7b8', 'sdl_42'] },
    response: z.object({ replayed: z.number().int(), failed: z.number().int(), results: z.array(ResultView) }),
    async handler({ deps, principal, body, audit }) {
      const ids = [...new Set(body.ids)];
      audit({ ids });
      const results = new Map<string, z.output<typeof ResultView>>();
      const jobIds = ids.filter(isJobId);
      const retried = await new OpsJobQueries(deps.sql).retry(principal.environment, jobIds);
      await enqueueRetried(deps, retried);
      for (const job of retried) results.set(job.id, { id: job.id, outcome: 'replayed' });
      const store = new SyncDeadLetterStore(deps.sql);
      const seqs = ids.map(syncSeq).filter((s): s is string => s !== undefined);
      const letters = await store.openOnes(principal.environment, seqs);
      const byInstance = new Map<string, StoredSyncDeadLetter[]>();
      for (const l of letters) byInstance.set(l.instance, [...(byInstance.get(l.instance) ?? []), l]);
      for (const group of byInstance.values()) {
        const outcomes = await replaySync(deps, group);
        const ok = group.filter((_, i) => outcomes[i]!.ok).map((l) => l.seq);
        await store.settle(principal.environment, ok, { state: 'replayed', by: actorOf(principal), note: null });
        for (const [i, letter] of group.entries()) {
          const outcome = outcomes[i]!;
          const id = `${SYNC_ID_PREFIX}${letter.seq}`;
          if (outcome.ok) results.set(id, { id, outcome: 'replayed' });
          else {
            await store.failedAgain(principal.environment, letter.seq, outcome.reason, outcome.code ?? null);
            results.set(id, { id, outcome: 'failed', reason: outcome.reason });
          }
        }
      }
      const list = ids.map((id) => results.get(id) ?? { id, outcome: 'not_found' as const });
      const summary = {
        replayed: list.filter((r) => r.outcome === 'replayed').length,
        failed: list.filter((r) => r.outcome === 'failed').length,
      };
      audit(summary);
      return { ...summary, results: list };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/dead-letters/discard',
    operationId: 'admin.deadLetters.discard',
    summary: 'Discard dead letters with a note: they leave the view (a discarded job stays dead)',
    permission: 'admin:operate',
    tags,
    body: z.strictObject({ ids: Ids, note: z.string().min(1).max(2000) }),
    example: { ids: ['sdl_42'], note: 'test row, deleted at the source' },
    response: z.object({ discarded: z.number().int(), results: z.array(ResultView) }),
    async handler({ deps, principal, body, audit }) {
      const ids = [...new Set(body.ids)];
      audit({ ids, note: body.note });
      const by = actorOf(principal);
      const jobs = await discardDeadJobs(deps.sql, principal.environment, ids.filter(isJobId), `${by}: ${body.note}`);
      const seqs = ids.map(syncSeq).filter((s): s is string => s !== undefined);
      const letters = await new SyncDeadLetterStore(deps.sql).settle(principal.environment, seqs, {
        state: 'discarded',
        by,
        note: body.note,
      });
      const done = new Set([...jobs, ...letters.map((s) => `${SYNC_ID_PREFIX}${s}`)]);
      const results = ids.map((id) => ({
        id,
        outcome: done.has(id) ? ('discarded' as const) : ('not_found' as const),
      }));
      audit({ discarded: done.size });
      return { discarded: done.size, results };
    },
  }),
];
