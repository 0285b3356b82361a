import { z } from 'zod';

/** Fields of `GET /{phone-number-id}` the connector asks for. */
export const PHONE_NUMBER_FIELDS = [
  'id',
  'display_phone_number',
  'verified_name',
  'status',
  'quality_rating',
  'throughput',
  'messaging_limit_tier',
  'name_status',
  'code_verification_status',
  'platform_type',
  'account_mode',
] as const;

/**
 * Meta's answer to `GET /{phone-number-id}?fields=...`. Enumerations are kept open (`string`):
 * Meta adds values, and an unknown one must not turn a health check into a parse failure.
 */
export const PhoneNumberResponse = z.object({
  id: z.string(),
  display_phone_number: z.string().optional(),
  verified_name: z.string().optional(),
  /** CONNECTED, DISCONNECTED, FLAGGED, RESTRICTED, RATE_LIMITED, PENDING, BANNED, DELETED, MIGRATED, ... */
  status: z.string().optional(),
  /** GREEN, YELLOW, RED, UNKNOWN (NA). */
  quality_rating: z.string().optional(),
  /** STANDARD (80/s), HIGH (1,000/s), NOT_APPLICABLE. */
  throughput: z.object({ level: z.string() }).optional(),
  /** TIER_250, TIER_1K, TIER_10K, TIER_100K, TIER_UNLIMITED. */
  messaging_limit_tier: z.string().optional(),
  name_status: z.string().optional(),
  code_verification_status: z.string().optional(),
  platform_type: z.string().optional(),
  account_mode: z.string().optional(),
});
export type PhoneNumberResponse = z.output<typeof PhoneNumberResponse>;

/** A business phone number's state as Meta reports it. */
export interface PhoneNumberStatus {
  id: string;
  displayPhoneNumber?: string | undefined;
  verifiedName?: string | undefined;
  /** Connection status, e.g. `CONNECTED`, `FLAGGED`, `RESTRICTED`. */
  status?: string | undefined;
  /** `GREEN`, `YELLOW`, `RED` or `UNKNOWN`. */
  qualityRating?: string | undefined;
  /** `STANDARD` or `HIGH`. */
  throughputLevel?: string | undefined;
  /** Messages per second the throughput level allows (80 for STANDARD, 1,000 for HIGH), when known. */
  maxMessagesPerSecond?: number | undefined;
  /** Business-initiated conversations per 24 h, e.g. `TIER_1K`. */
  messagingLimitTier?: string | undefined;
  nameStatus?: string | undefined;
  codeVerificationStatus?: string | undefined;
  platformType?: string | undefined;
  accountMode?: string | undefined;
}

const THROUGHPUT_BY_LEVEL: Record<string, number> = { STANDARD: 80, HIGH: 1000 };

/** Maps Meta's snake_case answer to a {@link PhoneNumberStatus}. */
export function toPhoneNumberStatus(response: PhoneNumberResponse): PhoneNumberStatus {
  const level = response.throughput?.level;
  return {
    id: response.id,
    displayPhoneNumber: response.display_phone_number,
    verifiedName: response.verified_name,
    status: response.status,
    qualityRating: response.quality_rating,
    throughputLevel: level,
    maxMessagesPerSecond: level === undefined ? undefined : THROUGHPUT_BY_LEVEL[level],
    messagingLimitTier: response.messaging_limit_tier,
    nameStatus: response.name_status,
    codeVerificationStatus: response.code_verification_status,
    platformType: response.platform_type,
    accountMode: response.account_mode,
  };
}

/** Statuses in which the number cannot send (or should not, until Meta lifts the restriction). */
const BLOCKING_STATUSES = new Set([
  'DISCONNECTED',
  'FLAGGED',
  'RESTRICTED',
  'RATE_LIMITED',
  'BANNED',
  'DELETED',
  'MIGRATED',
  'UNVERIFIED',
  'OFFLINE',
]);

/** What {@link assessPhoneNumber} concludes. */
export interface PhoneNumberAssessment {
  ok: boolean;
  /** Why the number cannot send as configured (makes `ok` false). */
  problems: string[];
  /** Worth a look, not failing (a YELLOW quality rating, a lower tier). */
  warnings: string[];
}

/**
 * Judges a number's state against how the sender is configured: a status that blocks sending, a
 * RED quality rating (Meta may restrict the number next), a configured rate above what the
 * throughput level allows (every send past it would meet 130429), or a sender paused after
 * 131048/368 are problems; a YELLOW rating is a warning.
 */
export function assessPhoneNumber(
  status: PhoneNumberStatus,
  context: { messagesPerSecond: number; pausedUntil?: Date | undefined },
): PhoneNumberAssessment {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (status.status !== undefined && BLOCKING_STATUSES.has(status.status))
    problems.push(`phone number status is ${status.status}`);
  if (status.qualityRating === 'RED')
    problems.push('quality rating is RED: Meta may lower the messaging limit or restrict the number');
  if (status.qualityRating === 'YELLOW') warnings.push('quality rating is YELLOW');
  if (status.maxMessagesPerSecond !== undefined && context.messagesPerSecond > status.maxMessagesPerSecond) {
    problems.push(
      `configured for ${context.messagesPerSecond} messages/s but the number's throughput level ${status.throughputLevel} allows ${status.maxMessagesPerSecond}/s`,
    );
  }
  if (status.status === 'PENDING') warnings.push('phone number status is PENDING');
  if (context.pausedUntil)
    problems.push(`sender paused until ${context.pausedUntil.toISOString()} (spam or policy limit)`);
  return { ok: problems.length === 0, problems, warnings };
}
