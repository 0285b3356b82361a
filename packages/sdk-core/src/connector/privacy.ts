import type { z } from 'zod';
import type { OperationContext } from './types.js';

/**
 * A data subject as a runtime hands it to a connector's {@link ConnectorPrivacy} hooks: the identifiers an access or
 * erasure request named, in clear and normalised by the runtime, so each connector compares the same way.
 */
export interface PrivacySubject {
  /** Phone numbers in E.164 (`+9779851112233`) when the runtime could read them, else their digits as given. */
  phones: readonly string[];
  /** E-mail addresses, trimmed and lower-cased. */
  emails: readonly string[];
  /** External ids (a person's id in the upstream, a national code, ...), trimmed. */
  externalIds: readonly string[];
}

/** One piece of personal data a connector holds about a subject, as {@link ConnectorPrivacy.access} yields it. */
export interface PersonalRecord {
  /** The connector's data class it belongs to (one of {@link ConnectorPrivacy.classes}), e.g. `statuses`. */
  class: string;
  /** Where it is kept, so the export can say where each piece came from. */
  source: {
    /** `table` for a SQL table (its name), `redis` for a Redis key, `memory` for a process's memory. */
    store: 'table' | 'redis' | 'memory';
    /** The table name or Redis key. */
    name: string;
    /** The row's key (primary key as text), for a table. */
    id?: string | undefined;
    /** The columns (or hash fields) that hold the data. */
    columns?: readonly string[] | undefined;
  };
  /** The data itself, as JSON (bigints as decimal strings). */
  data: unknown;
}

/** One data class a connector keeps in the runtime's stores. */
export interface ConnectorDataClass {
  /** What it is, for docs and operators (one sentence). */
  description: string;
  /**
   * How long to keep it by default before {@link ConnectorPrivacy.purge} removes it, in milliseconds; `null`: kept
   * until erased (e.g. a mirror of the upstream's own records, which the upstream owns). A runtime lets operators
   * override it per class and instance.
   */
  defaultKeepMs: number | null;
}

/** What a connector's data classes counted (erased or purged rows), by class name. */
export type PrivacyCounts = Record<string, number>;

/**
 * How a connector that keeps personal data of its own in the runtime's stores (`ctx.database`, Redis, memory) takes
 * part in subject access, erasure and retention. A runtime (the gateway) calls it for every configured instance,
 * without knowing what the connector keeps. Every hook is scoped to the instance of `ctx` (several instances can
 * share a table), must be idempotent (a request may be repeated after a crash) and must not call the upstream: the
 * data the upstream holds is the upstream's to erase.
 *
 * Which rows are the subject's follows the same rule as the runtime's own data (see {@link belongsToSubject}): a row
 * is the subject's when it names one of their identifiers and, for every kind of identifier the request gave that the
 * row also names, one of the row's is theirs (two guardians sharing a household phone keep their rows apart by
 * e-mail).
 */
export interface ConnectorPrivacy<TState = unknown> {
  /** The data classes the connector keeps, by name (the names {@link PersonalRecord.class} and counts use). */
  classes: Readonly<Record<string, ConnectorDataClass>>;
  /**
   * The shape of one raw synced record (what a sync dead letter's `raw` holds), with personal fields marked with
   * `.meta({ pii })`: lets the runtime find, export and erase the dead letters of a subject it keeps for this
   * connector's syncs.
   */
  syncRecord?: z.ZodType;
  /** Everything the instance keeps about `subject`, one record at a time (a stream: it may be large). */
  access(ctx: OperationContext<TState>, subject: PrivacySubject): AsyncIterable<PersonalRecord>;
  /**
   * Erases or irreversibly pseudonymises everything the instance keeps about `subject` (which the connector documents:
   * rows other data refers to are usually kept with their personal fields blanked, so ids stay consistent). Returns
   * counts per class, never personal data.
   */
  erase(ctx: OperationContext<TState>, subject: PrivacySubject): Promise<PrivacyCounts>;
  /**
   * Retention: removes (or blanks) what each class in `cutoffs` holds that was last written before its cutoff. Classes
   * not in `cutoffs` are kept. Returns counts per class. Should work in small batches (short locks).
   */
  purge?(ctx: OperationContext<TState>, cutoffs: Readonly<Record<string, Date>>): Promise<PrivacyCounts>;
}

/** The identifiers one stored row names, by kind (normalised as in {@link PrivacySubject}). */
export interface RowIdentifiers {
  phones?: readonly string[] | undefined;
  emails?: readonly string[] | undefined;
  externalIds?: readonly string[] | undefined;
}

/**
 * Whether a row naming `row` is the subject's: it names one of the subject's identifiers, and for every kind the
 * subject was named by that the row also names, at least one of the row's identifiers of that kind is the subject's.
 * A row naming only a household phone belongs to everyone named by that phone; one naming the phone and another
 * guardian's e-mail is not this guardian's.
 */
export function belongsToSubject(subject: PrivacySubject, row: RowIdentifiers): boolean {
  let matched = false;
  for (const kind of ['phones', 'emails', 'externalIds'] as const) {
    const mine = subject[kind];
    const theirs = (row[kind] ?? []).filter((v) => v !== '');
    if (!mine.length || !theirs.length) continue;
    if (!theirs.some((v) => mine.includes(v))) return false;
    matched = true;
  }
  return matched;
}

/**
 * Digits of a phone number as stored by an upstream that keeps them in local or international forms, and whether
 * they are the same number as an E.164 one: equal digits, or the local form (without trunk `0`s) is the end of the
 * international one and at least 7 digits long. For connectors matching {@link PrivacySubject.phones} against
 * numbers their upstream wrote freely (`09851112233`, `+977 985-1112233`).
 */
export function samePhone(stored: string, e164: string): boolean {
  const digits = stored.replace(/\D/g, '');
  const subject = e164.replace(/\D/g, '');
  if (!digits || !subject) return false;
  if (digits === subject || `00${subject}` === digits) return true;
  const local = digits.replace(/^0+/, '');
  return local.length >= 7 && local.length < subject.length && subject.endsWith(local);
}
