import { describe, expect, it } from 'vitest';
import { main } from './main.js';

describe('salesforce-donations example', () => {
  it('upserts donors, records donations, survives a session expiry and a locked row', async () => {
    const lines: string[] = [];
    const summary = await main({ donations: 600, log: (l) => lines.push(l) });
    expect(summary).toEqual({
      donorsUpserted: 300,
      donationsRecorded: 600,
      apiCalls: 7,
      tokenRequests: 2,
      lockedRowsResent: 1,
    });
    // 1 composite + 2 donor chunks + 3 donation chunks + 1 locked-row re-send.
    expect(lines.join('\n')).toMatch(/composite answered donor=201, gift=201 in 1 API call/);
    expect(lines.join('\n')).toMatch(/299 donors upserted by Donor_Id__c \(299 new\), 0 failed|300 donors upserted/);
    expect(lines.join('\n')).toMatch(/599 donations recorded by Gift_Id__c, 0 failed/);
  });
});
