import {
  isAbortedError,
  isIdempotencyInFlightError,
  isRelaykitError,
  isValidationError,
  sleep,
  type IdempotencyStore,
} from '@relaykit/sdk-core';
import { isWhatsAppApiError, isSenderPausedError, toWhatsAppError } from '../errors/index.js';
import { message, type TemplateOptions } from '../messages/builders.js';
import { isQuietTime, nextAllowedTime, type QuietHours } from '../schedule/index.js';
import type { WhatsAppSender } from '../sender/sender.js';

/** One recipient of a broadcast. */
export interface BroadcastRecipient {
  /** Phone number (E.164 or local in the sender's default region). */
  to: string;
  /** Stable id used for resumability (default: the normalised number). Use e.g. `parent-42:student-7` when one parent gets one message per child. */
  id?: string;
  /** Template language for this recipient (default: the broadcast's). */
  language?: string;
  /** Body parameters (positional or named). */
  body?: TemplateOptions['body'];
  /** Header parameter for this recipient (e.g. a per-class image). */
  header?: TemplateOptions['header'];
  /** Button parameters for this recipient (e.g. a per-parent payment link suffix). */
  buttons?: TemplateOptions['buttons'];
}

/** Outcome for one recipient. */
export interface RecipientResult {
  /** The recipient's id: `BroadcastRecipient.id`, else the normalised number. */
  id: string;
  /** The number sent to (E.164 once normalised; as given when it could not be read). */
  to: string;
  /**
   * `sent` now; `already_sent` by an earlier run (nothing sent again); `failed` (see `error`);
   * `invalid` number or parameters; `in_flight` — another run is sending it right now, or an
   * earlier run was killed mid-request so whether Meta accepted it is unknown: with a `journal`
   * it is never resent automatically (see `resendInFlight`), without one not until the sender's
   * claim expires; `not_attempted` (aborted).
   */
  status: 'sent' | 'already_sent' | 'failed' | 'invalid' | 'in_flight' | 'not_attempted';
  /** Meta's message id (`wamid...`) of the send, now or by an earlier run. */
  messageId?: string;
  /** The template language that was accepted (after any fallback). */
  language?: string;
  /** Why it failed, was invalid or is in flight. */
  error?: {
    /** Stable code (`VALIDATION`, `WHATSAPP_API`, `BROADCAST_OUTCOME_UNKNOWN`, ...). */
    code: string;
    /** Meta's `error.code`, when Meta refused it. */
    metaCode?: number;
    /** Log-safe explanation. */
    message: string;
  };
}

/** Progress of a running broadcast. */
export interface BroadcastProgress {
  /** The broadcast's id. */
  broadcastId: string;
  /** Recipients in the list. */
  total: number;
  /** Recipients finished so far (any status but `not_attempted`). */
  done: number;
  /** Sent by this run. */
  sent: number;
  /** Sent by an earlier run, skipped. */
  alreadySent: number;
  /** Refused by Meta or failed otherwise. */
  failed: number;
  /** Unreadable numbers or parameters. */
  invalid: number;
  /** Ms since the run started. */
  elapsedMs: number;
  /** Sends per second since the start. */
  rate: number;
  /** Set while waiting for quiet hours to end or for `startAt`. */
  waitingUntil?: Date;
}

/** Options of {@link broadcastTemplate}. */
export interface BroadcastOptions {
  /** Names the broadcast: a rerun with the same id resumes and never re-sends to those already sent. */
  broadcastId: string;
  /** The approved template: its `name`, default `language`, and languages tried when a recipient's is missing (131xxx/132001). */
  template: {
    /** Template name as approved by Meta. */
    name: string;
    /** Default language code (e.g. `ne`, `en_US`). */
    language: string;
    /** Tried in order when the template does not exist in a recipient's language. */
    fallbackLanguages?: string[];
  };
  /** Who gets it, each with their own parameters. */
  recipients: ReadonlyArray<BroadcastRecipient>;
  /** Sends in flight at once (default 64): enough to keep the limiter's pace through network latency. */
  concurrency?: number;
  /** Stops dispatching; requests already on the wire finish and are recorded. */
  signal?: AbortSignal;
  /** Called with progress at most every `progressIntervalMs`, and once at the end. */
  onProgress?(progress: BroadcastProgress): void;
  /** Progress is reported at most this often (default 250 ms) and at the end. */
  progressIntervalMs?: number;
  /** Nothing is sent inside these hours (read in their time zone); the broadcast waits. */
  quietHours?: QuietHours;
  /** Start no earlier than this instant (see `zonedTimeToUtc` for local times). */
  startAt?: Date;
  /** How long an interrupted send's claim in the sender's idempotency store blocks a resend (default 10 min). */
  inFlightLockMs?: number;
  /**
   * Durable record of each recipient's send, kept apart from the sender's short in-flight lock
   * (pass the same Redis-backed IdempotencyStore every worker uses). A send is recorded as started
   * before the request and as done after Meta's answer, so when a worker is killed (SIGKILL, OOM,
   * power loss) mid-request the rerun reports that recipient `in_flight` — Meta may or may not have
   * accepted it — and never resends it on its own, however short `inFlightLockMs` is. Without a
   * journal, such a recipient is resent once the sender's claim expires (at-least-once).
   */
  journal?: IdempotencyStore;
  /** How long the journal remembers a broadcast's sends (default 7 days): a rerun later than that starts over. */
  journalTtlMs?: number;
  /**
   * Resends recipients whose earlier attempt has an unknown outcome (after checking, e.g. in the
   * delivery statuses, that they did not get it): each may receive the message twice.
   */
  resendInFlight?: boolean;
}

/** The journal's scope (see {@link BroadcastOptions.journal}). */
export const BROADCAST_JOURNAL_SCOPE = 'whatsapp-broadcast';
/** The journal key of one recipient of one broadcast (the id is the recipient's `id`, else its E.164 number). */
export function broadcastJournalKey(broadcastId: string, recipientId: string): string {
  return `broadcast:${broadcastId}:${recipientId}`;
}
const JOURNAL_FINGERPRINT = 'attempt';
const DEFAULT_JOURNAL_TTL_MS = 7 * 24 * 3600_000;

/** What the journal keeps of a finished send. */
interface JournalEntry {
  messageId: string;
  language?: string;
}

/** Summary and per-recipient results. */
export interface BroadcastResult extends Omit<BroadcastProgress, 'waitingUntil'> {
  /** True when `signal` stopped the run before every recipient was tried. */
  aborted: boolean;
  /** Recipients reported `in_flight` (outcome unknown, or being sent by another run). */
  inFlight: number;
  /** One result per recipient, in the order given. */
  results: RecipientResult[];
}

/**
 * Sends one template to many recipients as fast as the sender's limiter allows, with progress,
 * per-recipient results, quiet hours, and resumability: each recipient's send is keyed
 * `broadcast:<id>:<recipient>` in the sender's idempotency store (Redis for several workers), so a
 * rerun after a crash or stop skips everyone already sent.
 *
 * @example
 * ```ts
 * const result = await broadcastTemplate(sender, {
 *   broadcastId: 'fees-2081-mangsir-class-5', template: { name: 'fee_reminder', language: 'ne', fallbackLanguages: ['en_US'] },
 *   recipients: parents.map((p) => ({ to: p.phone, id: `${p.id}:${p.studentId}`, body: { student_name: p.student } })),
 *   quietHours: { start: '21:00', end: '07:00', timeZone: 'Asia/Kathmandu' },
 *   onProgress: (p) => console.log(`${p.done}/${p.total}`),
 * });
 * ```
 */
export async function broadcastTemplate(sender: WhatsAppSender, options: BroadcastOptions): Promise<BroadcastResult> {
  const total = options.recipients.length;
  const results: RecipientResult[] = new Array(total);
  const counts = { done: 0, sent: 0, alreadySent: 0, failed: 0, invalid: 0, inFlight: 0 };
  const started = performance.now();
  let lastProgress = 0;
  // The counts both a progress report and the result carry.
  const tally = (now: number) => {
    const elapsedMs = now - started;
    return {
      broadcastId: options.broadcastId,
      total,
      done: counts.done,
      sent: counts.sent,
      alreadySent: counts.alreadySent,
      failed: counts.failed,
      invalid: counts.invalid,
      elapsedMs,
      rate: elapsedMs > 0 ? (counts.sent / elapsedMs) * 1000 : 0,
    };
  };
  const progress = (force = false, waitingUntil?: Date) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastProgress < (options.progressIntervalMs ?? 250))) return;
    lastProgress = now;
    options.onProgress({ ...tally(now), ...(waitingUntil ? { waitingUntil } : {}) });
  };
  const waitUntil = async (at: Date) => {
    progress(true, at);
    await sleep(at.getTime() - Date.now(), options.signal, 'Waiting for the sending window');
  };

  if (options.startAt && options.startAt.getTime() > Date.now())
    await waitUntil(options.startAt).catch(() => undefined);

  let next = 0;
  let stop = false;
  const journal = options.journal;
  const journalTtl = options.journalTtlMs ?? DEFAULT_JOURNAL_TTL_MS;
  const sendOne = async (r: BroadcastRecipient): Promise<RecipientResult> => {
    const language = r.language ?? options.template.language;
    let to = r.to;
    let id = r.id ?? r.to;
    let journalKey: string | undefined;
    try {
      const prepared = sender.prepare(
        message.template(r.to, options.template.name, language, {
          ...(r.body ? { body: r.body } : {}),
          ...(r.header ? { header: r.header } : {}),
          ...(r.buttons ? { buttons: r.buttons } : {}),
        }),
      );
      to = `+${prepared.to}`;
      id = r.id ?? to;
      const key = broadcastJournalKey(options.broadcastId, id);
      if (journal) {
        // Recorded before the request: a kill from here on leaves it `in_flight`, never silently resendable.
        const begun = await journal.begin<JournalEntry>(BROADCAST_JOURNAL_SCOPE, key, JOURNAL_FINGERPRINT, {
          lockTtlMs: journalTtl,
        });
        if (begun.state === 'completed') {
          counts.alreadySent++;
          return {
            id,
            to,
            status: 'already_sent',
            messageId: begun.result.messageId,
            ...(begun.result.language ? { language: begun.result.language } : {}),
          };
        }
        if (begun.state !== 'new' && !options.resendInFlight) {
          counts.inFlight++;
          return {
            id,
            to,
            status: 'in_flight',
            error: {
              code: 'BROADCAST_OUTCOME_UNKNOWN',
              message:
                'An earlier run started this send and recorded no outcome (stopped mid-request, or still running): check delivery before resending',
            },
          };
        }
        journalKey = key;
      }
      const fallbackLanguages = [language, options.template.language, ...(options.template.fallbackLanguages ?? [])]
        .filter((l, k, all) => all.indexOf(l) === k)
        .slice(1);
      const sent = await sender.send(prepared, {
        idempotencyKey: key,
        fallbackLanguages,
        lockTtlMs: options.inFlightLockMs ?? 600_000,
        abortInFlight: false,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (journalKey)
        await journal!.complete(
          BROADCAST_JOURNAL_SCOPE,
          journalKey,
          JOURNAL_FINGERPRINT,
          { messageId: sent.messageId, ...(sent.language ? { language: sent.language } : {}) } satisfies JournalEntry,
          journalTtl,
        );
      if (sent.replayed) counts.alreadySent++;
      else counts.sent++;
      return {
        id,
        to,
        status: sent.replayed ? 'already_sent' : 'sent',
        messageId: sent.messageId,
        ...(sent.language ? { language: sent.language } : {}),
      };
    } catch (error) {
      // Only a send known not to have been accepted may be tried again by a later run.
      if (journalKey && notSent(error))
        await journal!.release(BROADCAST_JOURNAL_SCOPE, journalKey).catch(() => undefined);
      if (isValidationError(error)) {
        counts.invalid++;
        return { id, to, status: 'invalid', error: describe(error) };
      }
      if (isIdempotencyInFlightError(error)) {
        counts.inFlight++;
        return { id, to, status: 'in_flight', error: describe(error) };
      }
      if (isAbortedError(error) || options.signal?.aborted) {
        counts.done--;
        return { id, to, status: 'not_attempted' };
      }
      counts.failed++;
      if (
        isSenderPausedError(error) ||
        isWhatsAppApiError(error, 190) ||
        isWhatsAppApiError(error, 131048) ||
        isWhatsAppApiError(error, 368)
      )
        stop = true;
      return { id, to, status: 'failed', error: describe(error) };
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 64, total)) }, async () => {
    for (;;) {
      if (stop || options.signal?.aborted) return;
      const i = next++;
      if (i >= total) return;
      const r = options.recipients[i]!;
      if (options.quietHours && isQuietTime(options.quietHours)) {
        try {
          await waitUntil(nextAllowedTime(options.quietHours));
        } catch {
          next = Math.min(next, i);
          return;
        }
      }
      results[i] = await sendOne(r);
      counts.done++;
      progress();
    }
  });
  await Promise.all(workers);
  for (let i = 0; i < total; i++)
    results[i] ??= {
      id: options.recipients[i]!.id ?? options.recipients[i]!.to,
      to: options.recipients[i]!.to,
      status: 'not_attempted',
    };
  progress(true);
  return {
    ...tally(performance.now()),
    inFlight: counts.inFlight,
    aborted: options.signal?.aborted ?? false,
    results,
  };
}

// Meta refused it, it never left (validation, pause, abort before the request), or another claim
// holds it; anything else (a network error mid-request, a crash) leaves the outcome unknown.
function notSent(error: unknown): boolean {
  return (
    isValidationError(error) ||
    toWhatsAppError(error) !== undefined ||
    isSenderPausedError(error) ||
    isAbortedError(error) ||
    isIdempotencyInFlightError(error)
  );
}

function describe(error: unknown): RecipientResult['error'] {
  if (isWhatsAppApiError(error)) return { code: error.code, metaCode: error.metaCode, message: error.message };
  if (isRelaykitError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
