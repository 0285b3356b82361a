import type { SqlClient } from '@relaykit/sdk-core';
import type { SubjectRef } from './subjects.js';

/**
 * Restrictions of processing: subjects (by blind-index entry) whose new jobs are refused until lifted. Checked on
 * every job submission that names an identifier, in the database, so a restriction holds on every process at once.
 */
export class Restrictions {
  constructor(private readonly sql: SqlClient) {}

  /** Restricts every identifier of `refs`; returns how many were not restricted before. */
  async add(refs: readonly SubjectRef[], reason: string | null, apiKeyId: string | null): Promise<number> {
    if (!refs.length) return 0;
    const { rows } = await this.sql.query(
      `INSERT INTO relaykit_restrictions (hmac, kind, reason, api_key_id)
       SELECT hmac, kind, $3, $4 FROM unnest($1::text[], $2::text[]) AS v(hmac, kind)
       ON CONFLICT (hmac) DO NOTHING RETURNING hmac`,
      [refs.map((r) => r.hmac), refs.map((r) => r.kind), reason, apiKeyId],
    );
    return rows.length;
  }

  /** Lifts the restriction of every identifier of `refs`; returns how many were lifted. */
  async remove(refs: readonly SubjectRef[]): Promise<number> {
    if (!refs.length) return 0;
    const { rows } = await this.sql.query(
      'DELETE FROM relaykit_restrictions WHERE hmac = ANY($1::text[]) RETURNING hmac',
      [refs.map((r) => r.hmac)],
    );
    return rows.length;
  }

  /** The first of `refs` that is restricted, if any. */
  async restricted(refs: readonly SubjectRef[]): Promise<SubjectRef | undefined> {
    if (!refs.length) return undefined;
    const { rows } = await this.sql.query<{ hmac: string }>(
      'SELECT hmac FROM relaykit_restrictions WHERE hmac = ANY($1::text[]) LIMIT 1',
      [refs.map((r) => r.hmac)],
    );
    return rows[0] ? refs.find((r) => r.hmac === rows[0]!.hmac) : undefined;
  }
}
