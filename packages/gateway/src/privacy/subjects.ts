import { personalDataOf, type PersonalValue } from '@relaykit/sdk-core';
import type { z } from 'zod';
import type { LoadedInstance } from '../runtime/instances.js';
import { operationOf, webhookOf } from '../util/lookup.js';
import { type BlindIndex, type IdentifierKind, isIdentifierKind } from './blind-index.js';

/** One identifier a job names, as the blind index holds it. */
export interface SubjectRef {
  kind: IdentifierKind;
  hmac: string;
}

/** What a job is, as far as finding its schemas goes. */
export interface JobShape {
  instance: string;
  kind: 'operation' | 'webhook';
  /** The operation's name, or `webhook:<name>`. */
  operation: string;
}

/** The schemas that mark a job's input and result: the operation's, or the webhook's event shape. */
export function schemasOf(
  instances: ReadonlyMap<string, LoadedInstance>,
  job: JobShape,
): { input?: z.ZodType | undefined; output?: z.ZodType | undefined } {
  const connector = instances.get(job.instance)?.connector;
  if (!connector) return {};
  if (job.kind === 'webhook') return { input: webhookOf(connector, job.operation.replace(/^webhook:/, ''))?.event };
  const operation = operationOf(connector, job.operation);
  return { input: operation?.input, output: operation?.output };
}

/** The personal data a job's input holds according to its schema's marks. */
export function personalDataOfInput(
  instances: ReadonlyMap<string, LoadedInstance>,
  job: JobShape,
  input: unknown,
): PersonalValue[] {
  const schema = schemasOf(instances, job).input;
  return schema ? personalDataOf(schema, input) : [];
}

/** The blind-index entries of the identifiers among `found` (each once). */
export function subjectRefs(index: BlindIndex, found: readonly PersonalValue[]): SubjectRef[] {
  const out = new Map<string, SubjectRef>();
  for (const { kind, value } of found) {
    if (!isIdentifierKind(kind)) continue;
    const hmac = index.of(kind, value);
    out.set(`${kind}:${hmac}`, { kind, hmac });
  }
  return [...out.values()];
}

/** Identifiers naming a data subject, as the privacy routes take them. */
export interface SubjectIdentifiers {
  phones?: string[] | undefined;
  emails?: string[] | undefined;
  externalIds?: string[] | undefined;
}

/** The blind-index entries of a subject's identifiers. */
export function refsOfSubject(index: BlindIndex, subject: SubjectIdentifiers): SubjectRef[] {
  return subjectRefs(index, [
    ...(subject.phones ?? []).map((value) => ({ kind: 'phone' as const, path: [], value })),
    ...(subject.emails ?? []).map((value) => ({ kind: 'email' as const, path: [], value })),
    ...(subject.externalIds ?? []).map((value) => ({ kind: 'id' as const, path: [], value })),
  ]);
}

/**
 * Whether a job naming `jobRefs` is the subject's: it names one of the subject's identifiers, and for every kind
 * the subject was identified by that the job also names, at least one of the job's identifiers of that kind is the
 * subject's. So a message to a household phone that also names another guardian's e-mail (and not this one's) is
 * not this guardian's, one naming only the shared phone is (nothing says it is someone else's), and a broadcast
 * that includes the subject among others is (it holds their data too).
 */
export function belongsToSubject(subject: readonly SubjectRef[], jobRefs: readonly SubjectRef[]): boolean {
  const mine = new Set(subject.map((r) => `${r.kind}:${r.hmac}`));
  const kinds = new Set(subject.map((r) => r.kind));
  const matched = new Set<string>();
  const named = new Set<string>();
  for (const ref of jobRefs) {
    if (!kinds.has(ref.kind)) continue;
    named.add(ref.kind);
    if (mine.has(`${ref.kind}:${ref.hmac}`)) matched.add(ref.kind);
  }
  return matched.size > 0 && [...named].every((kind) => matched.has(kind));
}
