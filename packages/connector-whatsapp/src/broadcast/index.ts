import { isAbortedError, isIdempotencyInFlightError, isRelaykitError, isValidationError } from '@relaykit/sdk-core';
import { isWhatsAppApiError, isSenderPausedError } from '../errors/index.js';
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
  header?: TemplateOptions['header'];
  buttons?: TemplateOptions['buttons'];
}

/** Outcome for one recipient. */
export interface RecipientResult {
  id: string;
  to: string;
  /**
   * `sent` now; `already_sent` by an earlier run (nothing sent again); `failed` (see `error`);
   * `invalid` number or parameters; `in_flight` — an earlier run was stopped mid-request, so
   * whether Meta accepted it is unknown (not resent until its claim expires); `not_attempted` (aborted).
   */
  status: 'sent' | 'already_sent' | 'failed' | 'invalid' | 'in_flight' | 'not_attempted';
  messageId?: string;
  language?: string;
  error?: { code: string; metaCode?: number; message: string };
}

/** Progress of a running broadcast. */
export interface BroadcastProgress {
  broadcastId: string;
  total: number;
  done: number;
  sent: number;
  alreadySent: number;
  failed: number;
  invalid: number;
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
  template: { name: string; language: string; fallbackLanguages?: string[] };
  recipients: ReadonlyArray<BroadcastRecipient>;
  /** Sends in flight at once (default 64): enough to keep the limiter's pace through network latency. */
  concurrency?: number;
  /** Stops dispatching; requests already on the wire finish and are recorded. */
  signal?: AbortSignal;
  onProgress?(progress: BroadcastProgress): void;
  /** Progress is reported at most this often (default 250 ms) and at the end. */
  progressIntervalMs?: number;
  /** Nothing is sent inside these hours (read in their time zone); the broadcast waits. */
  quietHours?: QuietHours;
  /** Start no earlier than this instant (see `zonedTimeToUtc` for local times). */
  startAt?: Date;
  /** How long an interrupted send's claim blocks a resend (default 10 min). */
  inFlightLockMs?: number;
}

/** Summary and per-recipient results. */
export interface BroadcastResult extends Omit<BroadcastProgress, 'waitingUntil'> {
  aborted: boolean;
  inFlight: number;
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
  const progress = (force = false, waitingUntil?: Date) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastProgress < (options.progressIntervalMs ?? 250))) return;
    lastProgress = now;
    const elapsedMs = now - started;
    options.onProgress({ broadcastId: options.broadcastId, total, done: counts.done, sent: counts.sent, alreadySent: counts.alreadySent, failed: counts.failed, invalid: counts.invalid, elapsedMs, rate: elapsedMs > 0 ? (counts.sent / elapsedMs) * 1000 : 0, ...(waitingUntil ? { waitingUntil } : {}) });
  };
  const waitUntil = async (at: Date) => {
    progress(true, at);
    await abortableSleep(at.getTime() - Date.now(), options.signal);
  };

  if (options.startAt && options.startAt.getTime() > Date.now()) await waitUntil(options.startAt).catch(() => undefined);

  let next = 0;
  let stop = false;
  const sendOne = async (r: BroadcastRecipient): Promise<RecipientResult> => {
    const language = r.language ?? options.template.language;
    let to = r.to;
    let id = r.id ?? r.to;
    try {
      const prepared = sender.prepare(message.template(r.to, options.template.name, language, { ...(r.body ? { body: r.body } : {}), ...(r.header ? { header: r.header } : {}), ...(r.buttons ? { buttons: r.buttons } : {}) }));
      to = `+${prepared.to}`;
      id = r.id ?? to;
      const fallbackLanguages = [language, options.template.language, ...(options.template.fallbackLanguages ?? [])].filter((l, k, all) => all.indexOf(l) === k).slice(1);
      const sent = await sender.send(prepared, {
        idempotencyKey: `broadcast:${options.broadcastId}:${id}`,
        fallbackLanguages,
        lockTtlMs: options.inFlightLockMs ?? 600_000,
        abortInFlight: false,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (sent.replayed) counts.alreadySent++; else counts.sent++;
      return { id, to, status: sent.replayed ? 'already_sent' : 'sent', messageId: sent.messageId, ...(sent.language ? { language: sent.language } : {}) };
    } catch (error) {
      if (isValidationError(error)) { counts.invalid++; return { id, to, status: 'invalid', error: describe(error) }; }
      if (isIdempotencyInFlightError(error)) { counts.inFlight++; return { id, to, status: 'in_flight', error: describe(error) }; }
      if (isAbortedError(error) || options.signal?.aborted) { counts.done--; return { id, to, status: 'not_attempted' }; }
      counts.failed++;
      if (isSenderPausedError(error) || isWhatsAppApiError(error, 190) || isWhatsAppApiError(error, 131048) || isWhatsAppApiError(error, 368)) stop = true;
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
        try { await waitUntil(nextAllowedTime(options.quietHours)); } catch { next = Math.min(next, i); return; }
      }
      results[i] = await sendOne(r);
      counts.done++;
      progress();
    }
  });
  await Promise.all(workers);
  for (let i = 0; i < total; i++) results[i] ??= { id: options.recipients[i]!.id ?? options.recipients[i]!.to, to: options.recipients[i]!.to, status: 'not_attempted' };
  progress(true);
  const elapsedMs = performance.now() - started;
  return {
    broadcastId: options.broadcastId, total, done: counts.done, sent: counts.sent, alreadySent: counts.alreadySent, failed: counts.failed, invalid: counts.invalid,
    inFlight: counts.inFlight, elapsedMs, rate: elapsedMs > 0 ? (counts.sent / elapsedMs) * 1000 : 0, aborted: options.signal?.aborted ?? false, results,
  };
}

function describe(error: unknown): RecipientResult['error'] {
  if (isWhatsAppApiError(error)) return { code: error.code, metaCode: error.metaCode, message: error.message };
  if (isRelaykitError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, Math.max(0, ms));
    const onAbort = () => { clearTimeout(t); reject(signal!.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
