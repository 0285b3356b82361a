import type { PrivacySubject } from './types.js';

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
