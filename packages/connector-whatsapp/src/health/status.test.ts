import { describe, expect, it } from 'vitest';
import { PhoneNumberResponse, assessPhoneNumber, toPhoneNumberStatus } from './status.js';

const status = (extra: Record<string, unknown> = {}) =>
  toPhoneNumberStatus(
    PhoneNumberResponse.parse({
      id: '1',
      status: 'CONNECTED',
      quality_rating: 'GREEN',
      throughput: { level: 'STANDARD' },
      ...extra,
    }),
  );

describe('phone number health', () => {
  it("maps Meta's fields and the throughput level to messages per second", () => {
    expect(status({ display_phone_number: '+977 980-0000000', messaging_limit_tier: 'TIER_1K' })).toMatchObject({
      id: '1',
      displayPhoneNumber: '+977 980-0000000',
      throughputLevel: 'STANDARD',
      maxMessagesPerSecond: 80,
      messagingLimitTier: 'TIER_1K',
    });
    expect(status({ throughput: { level: 'HIGH' } }).maxMessagesPerSecond).toBe(1000);
    expect(status({ throughput: { level: 'NOT_APPLICABLE' } }).maxMessagesPerSecond).toBeUndefined();
    // New enumeration values from Meta do not break the check.
    expect(status({ quality_rating: 'PURPLE', status: 'SOMETHING_NEW' })).toMatchObject({
      qualityRating: 'PURPLE',
      status: 'SOMETHING_NEW',
    });
  });

  it("judges the number against the sender's configuration", () => {
    expect(assessPhoneNumber(status(), { messagesPerSecond: 80 })).toEqual({ ok: true, problems: [], warnings: [] });
    expect(
      assessPhoneNumber(status({ quality_rating: 'YELLOW', status: 'PENDING' }), { messagesPerSecond: 80 }),
    ).toEqual({ ok: true, problems: [], warnings: ['quality rating is YELLOW', 'phone number status is PENDING'] });
    expect(assessPhoneNumber(status(), { messagesPerSecond: 1000 }).problems).toEqual([
      "configured for 1000 messages/s but the number's throughput level STANDARD allows 80/s",
    ]);
    expect(assessPhoneNumber(status({ status: 'RESTRICTED' }), { messagesPerSecond: 80 }).ok).toBe(false);
    const paused = assessPhoneNumber(status(), {
      messagesPerSecond: 80,
      pausedUntil: new Date('2026-01-01T00:15:00Z'),
    });
    expect(paused).toEqual({
      ok: false,
      problems: ['sender paused until 2026-01-01T00:15:00.000Z (spam or policy limit)'],
      warnings: [],
    });
  });
});
