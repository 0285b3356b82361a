import {
  personalDataOf,
  type ConnectorPrivacy,
  type Logger,
  type OperationContext,
  type PersonalRecord,
  type PrivacyCounts,
  type PrivacySubject,
  type SqlClient,
} from '@relaykit/sdk-core';
import type { LoadedInstance } from '../runtime/instances.js';
import { type BlindIndex, normaliseIdentifier } from './blind-index.js';
import { connectorRetention, type PrivacyConfig } from './config.js';
import { belongsToSubject, subjectRefs, type SubjectIdentifiers, type SubjectRef } from './subjects.js';

/** What an erasure did outside the job records: the gateway's sync dead letters and each instance's own data. */
export interface HeldDataCounts {
  /** Sync dead letters (raw upstream records) deleted. */
  syncDeadLetters: number;
  /** Per instance, the counts its connector's `privacy.erase` returned, by class. */
  connectors: Record<string, PrivacyCounts>;
}

/** One item of an access export that is not a job record. */
export interface HeldDataItem {
  class: string;
  source: Record<string, unknown>;
  instance: string;
  data: unknown;
}

const PAGE = 200;

/**
 * Personal data the gateway keeps outside its job records: the dead letters of the syncs it runs (raw upstream
 * records, matched to a subject through the connector's `privacy.syncRecord` marks and the blind index), and what
 * each instance's connector keeps itself in the gateway's stores (through the connector's optional `privacy` member of
 * sdk-core's contract: delivery statuses, synced rows, ...). The gateway names no connector: any connector declaring
 * `privacy` takes part in access exports, erasures and retention.
 */
export class HeldData {
  constructor(
    private readonly deps: {
      sql: SqlClient;
      instances: ReadonlyMap<string, LoadedInstance>;
      config: PrivacyConfig;
      index: BlindIndex | undefined;
      logger: Logger;
    },
  ) {}

  /** The subject as connectors get it: identifiers normalised as the blind index reads them. */
  subjectOf(ids: SubjectIdentifiers): PrivacySubject {
    const region = this.deps.config.defaultRegion;
    const unique = (values: string[]) => [...new Set(values.filter(Boolean))];
    return {
      phones: unique((ids.phones ?? []).map((p) => normaliseIdentifier('phone', p, region))),
      emails: unique((ids.emails ?? []).map((e) => normaliseIdentifier('email', e))),
      externalIds: unique((ids.externalIds ?? []).map((i) => normaliseIdentifier('id', i))),
    };
  }

  /** Instances of `environment` (every one when undefined) whose connector keeps data of its own, set up here. */
  private withPrivacy(environment?: string) {
    const out: Array<{ instance: LoadedInstance; privacy: ConnectorPrivacy; ctx: OperationContext<unknown> }> = [];
    for (const instance of this.deps.instances.values()) {
      const privacy = instance.connector.privacy as ConnectorPrivacy | undefined;
      const runtime = instance.runtime;
      if (!privacy || !runtime || (environment !== undefined && instance.environment !== environment)) continue;
      out.push({
        instance,
        privacy,
        ctx: {
          ...runtime.services,
          instance: instance.name,
          state: runtime.state,
          signal: AbortSignal.timeout(Math.max(instance.config.timeout, 60_000)),
          attempt: 1,
          progress: () => undefined,
        },
      });
    }
    return out;
  }

  /** The sync dead letters of `environment` whose raw record names the subject, page by page. */
  private async *deadLetters(
    refs: readonly SubjectRef[],
    environment: string,
  ): AsyncGenerator<Array<{ seq: string; instance: string; row: Record<string, unknown> }>> {
    const index = this.deps.index;
    if (!index) return;
    for (const instance of this.deps.instances.values()) {
      const schema = instance.connector.privacy?.syncRecord;
      if (!schema || instance.environment !== environment) continue;
      let cursor = '0';
      for (;;) {
        const { rows } = await this.deps.sql.query<Record<string, unknown> & { seq_text: string }>(
          `SELECT d.*, d.seq::text AS seq_text FROM relaykit_sync_dead_letters d
           WHERE d.instance = $1 AND d.seq > $2::bigint ORDER BY d.seq LIMIT $3`,
          [instance.name, cursor, PAGE],
        );
        if (!rows.length) break;
        cursor = rows[rows.length - 1]!.seq_text;
        // An upstream record's own ids (its person id, national code) are of another system than the ids a request
        // names: they only count when they match, never against the subject.
        const ids = new Set(refs.filter((r) => r.kind === 'id').map((r) => r.hmac));
        const mine = rows.filter((r) =>
          belongsToSubject(
            refs,
            subjectRefs(index, r.raw == null ? [] : personalDataOf(schema, r.raw)).filter(
              (ref) => ref.kind !== 'id' || ids.has(ref.hmac),
            ),
          ),
        );
        if (mine.length) yield mine.map((row) => ({ seq: row.seq_text, instance: instance.name, row }));
        if (rows.length < PAGE) break;
      }
    }
  }

  /** Everything kept about the subject outside the job records, one item at a time. */
  async *access(
    subject: PrivacySubject,
    refs: readonly SubjectRef[],
    environment: string,
  ): AsyncGenerator<HeldDataItem> {
    for await (const page of this.deadLetters(refs, environment))
      for (const { seq, instance, row } of page) {
        const { seq_text: _, seq: __, ...data } = row;
        yield {
          class: 'syncDeadLetter',
          source: { table: 'relaykit_sync_dead_letters', id: `sdl_${seq}`, columns: ['raw', 'reason'] },
          instance,
          data,
        };
      }
    for (const { instance, privacy, ctx } of this.withPrivacy(environment))
      for await (const record of privacy.access(ctx, subject) as AsyncIterable<PersonalRecord>)
        yield {
          class: `${instance.connector.name}.${record.class}`,
          // `table` as job items have it, when the connector keeps the record in a table.
          source: {
            ...(record.source.store === 'table' ? { table: record.source.name } : {}),
            ...record.source,
            connector: instance.connector.name,
          },
          instance: instance.name,
          data: record.data,
        };
  }

  /** Erases everything kept about the subject outside the job records; counts only. */
  async erase(subject: PrivacySubject, refs: readonly SubjectRef[], environment: string): Promise<HeldDataCounts> {
    const counts: HeldDataCounts = { syncDeadLetters: 0, connectors: {} };
    for await (const page of this.deadLetters(refs, environment)) {
      const { rows } = await this.deps.sql.query(
        'DELETE FROM relaykit_sync_dead_letters WHERE seq = ANY($1::bigint[]) RETURNING seq',
        [page.map((l) => l.seq)],
      );
      counts.syncDeadLetters += rows.length;
    }
    for (const { instance, privacy, ctx } of this.withPrivacy(environment))
      counts.connectors[instance.name] = await privacy.erase(ctx, subject);
    return counts;
  }

  /** Retention of every instance's own data classes (by their configured or default keep); counts by `<instance>.<class>`. */
  async purge(now: Date): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const { instance, privacy, ctx } of this.withPrivacy()) {
      if (!privacy.purge) continue;
      const cutoffs: Record<string, Date> = {};
      for (const [dataClass, { defaultKeepMs }] of Object.entries(privacy.classes)) {
        const keep = connectorRetention(this.deps.config, {
          instance: instance.name,
          connector: instance.connector.name,
          dataClass,
          defaultKeepMs,
        });
        if (keep !== null) cutoffs[dataClass] = new Date(now.getTime() - keep);
      }
      if (!Object.keys(cutoffs).length) continue;
      try {
        for (const [dataClass, n] of Object.entries(await privacy.purge(ctx, cutoffs)))
          out[`${instance.name}.${dataClass}`] = n;
      } catch (error) {
        // One instance's store failing leaves the others' retention running; it is tried again next run.
        this.deps.logger.warn({ instance: instance.name, err: String(error) }, 'connector retention purge failed');
      }
    }
    return out;
  }
}
