import type { StatusUpdate } from './events.js';

/** A message's delivery state as the tracker knows it. */
export interface TrackedStatus {
  /** The id (`wamid...`) of the message we sent. */
  messageId: string;
  /** Furthest status reached (`failed` only while no later success arrived). */
  status: 'sent' | 'delivered' | 'read' | 'failed';
  /** Unix seconds of the update that set `status`. */
  timestamp: number;
  /** Error codes of the latest `failed` update, if any. */
  errorCodes?: number[];
  /** The recipient's WhatsApp id (digits with country code, no `+`), when an update said it. */
  recipientId?: string;
}

/** Result of {@link StatusTracker.apply}. */
export interface TrackResult {
  /** True when the update moved the message forward. */
  changed: boolean;
  /** The message's status after the update (unchanged when `changed` is false). */
  current: TrackedStatus;
}

/**
 * Keeps each message's delivery status, never moving it backwards: sent < delivered < read, and
 * `failed` is terminal unless a success (`delivered`/`read`) stamped no earlier than the failure
 * arrives. Accepts updates in any order (a `read` without `delivered`, `sent` after `read`, ...).
 */
export interface StatusTracker {
  /** Applies one status update (any order, duplicates welcome); moves the message forward only. */
  apply(
    update: Pick<StatusUpdate, 'messageId' | 'status' | 'timestamp'> & {
      errors?: ReadonlyArray<{ code: number }>;
      recipientId?: string | undefined;
    },
  ): Promise<TrackResult>;
  /** The message's current status, or undefined when no update arrived (or it was forgotten). */
  get(messageId: string): Promise<TrackedStatus | undefined>;
  /**
   * Statuses of messages sent to one recipient (WhatsApp id: digits with country code; a `+` and separators are
   * ignored), for subject access. Only statuses stored with their recipient are found.
   */
  byRecipient(recipientId: string): Promise<TrackedStatus[]>;
  /** Forgets every status of messages sent to one recipient (erasure); returns how many. */
  forgetRecipient(recipientId: string): Promise<number>;
  /** Forgets statuses last updated before `before` (retention); returns how many. */
  purge(before: Date): Promise<number>;
  /** Where statuses are kept (for subject access exports): a table, a Redis key prefix, or memory. */
  readonly location: { store: 'table' | 'redis' | 'memory'; name: string };
  /** Releases the store's connection. */
  close(): Promise<void>;
}

/** The digits of a WhatsApp id or phone number (how statuses are keyed by recipient). */
export const recipientDigits = (value: string): string => value.replace(/\D/g, '');

const RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3 };

/**
 * The transition rule shared by every implementation (the Lua script and the SQL upsert mirror it): returns the
 * status that should win, given the current one and an update.
 */
export function nextStatus(
  current: TrackedStatus | undefined,
  update: { status: string; timestamp: number },
): 'keep' | 'take' {
  const rank = RANK[update.status];
  if (rank === undefined && update.status !== 'failed') return 'keep';
  if (!current) return 'take';
  if (current.status === 'failed')
    return rank !== undefined && rank >= 2 && update.timestamp >= current.timestamp ? 'take' : 'keep';
  if (update.status === 'failed') return current.status === 'sent' ? 'take' : 'keep';
  return rank! > RANK[current.status]! ? 'take' : 'keep';
}
