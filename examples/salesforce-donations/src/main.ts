// A charity's website takes donations all day; a worker pushes them to Salesforce through Azure
// API Management. This example runs that flow against relaykit's fake org:
//   1. a donation arriving in real time → one composite call: upsert the donor + insert the gift;
//   2. the nightly batch → donors upserted by external id and gifts upserted by their own id
//      through sObject Collections (200 a call, in parallel),
// with the session expiring mid-batch and a locked row on the way, to show both are handled.
import { pathToFileURL } from 'node:url';
import { instantiateConnector } from '@relaykit/sdk-core';
import { salesforceConnector } from '@relaykit/connector-salesforce';
import { startFakeOrg } from '@relaykit/connector-salesforce/testing';

/** What one run did. */
export interface DonationsSummary {
  donorsUpserted: number;
  donationsRecorded: number;
  /** Calls counted against the org's daily allocation (rejected 401s are not). */
  apiCalls: number;
  tokenRequests: number;
  lockedRowsResent: number;
}

interface Donation {
  giftId: string;
  donorId: string;
  firstName: string;
  lastName: string;
  email: string;
  amount: number;
}

/** Deterministic sample data: `count` donations from `count / 2` donors (some give twice). */
export function sampleDonations(count: number): Donation[] {
  const names = [
    ['Siti', 'Rahma'],
    ['Budi', 'Santoso'],
    ['Ayu', 'Lestari'],
    ['Made', 'Wirawan'],
    ['Nur', 'Hidayah'],
    ['Agus', 'Pratama'],
  ] as const;
  return Array.from({ length: count }, (_, i) => {
    const d = i % Math.max(1, Math.floor(count / 2));
    const [firstName, lastName] = names[d % names.length]!;
    return {
      giftId: `G-${1000 + i}`,
      donorId: `D-${500 + d}`,
      firstName,
      lastName: `${lastName} ${d}`,
      email: `donor${d}@example.org`,
      amount: 50_000 + (i % 7) * 25_000,
    };
  });
}

/** Runs the scenario against a fresh fake org and prints what it did. */
export async function main(
  options: { donations?: number; log?: (line: string) => void } = {},
): Promise<DonationsSummary> {
  const log = options.log ?? ((line: string) => console.log(line));
  const donations = sampleDonations(options.donations ?? 600);
  const org = await startFakeOrg({
    apim: { subscriptionKey: 'demo-subscription-key' },
    externalIdFields: { Contact: ['Donor_Id__c'], Donation__c: ['Gift_Id__c'] },
    requiredFields: { Contact: ['LastName'], Donation__c: ['Amount__c', 'Donor__c'] },
  });
  const sf = await instantiateConnector(salesforceConnector, {
    instance: 'sf-donations',
    config: {
      instanceUrl: org.url,
      apiVersion: '62.0',
      auth: { flow: 'client_credentials', clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
      apiGateway: { baseUrl: org.apimUrl, subscriptionKey: 'demo-subscription-key' },
    },
  });
  try {
    log(`Fake org at ${org.url}, behind API Management at ${org.apimUrl}`);

    // 1. One donation in real time: donor upsert + gift in a single API call, all or nothing.
    const [first, ...rest] = donations;
    const live = await sf.run('composite', {
      allOrNone: true,
      subrequests: [
        {
          method: 'PATCH',
          url: `/sobjects/Contact/Donor_Id__c/${first!.donorId}`,
          referenceId: 'donor',
          body: { FirstName: first!.firstName, LastName: first!.lastName, Email: first!.email },
        },
        {
          method: 'PATCH',
          url: `/sobjects/Donation__c/Gift_Id__c/${first!.giftId}`,
          referenceId: 'gift',
          body: { Donor__c: '@{donor.id}', Amount__c: first!.amount },
        },
      ],
    });
    log(
      `Real-time donation ${first!.giftId}: composite answered ${live.responses.map((r) => `${r.referenceId}=${r.httpStatusCode}`).join(', ')} in 1 API call`,
    );

    // 2. The nightly batch. Make it eventful: the session expires mid-batch, a row is locked once.
    const lockedGift = rest[Math.floor(rest.length / 2)]!.giftId;
    org.setFaults({ expireSessionsAfterCalls: 2, lockRows: { externalIds: [lockedGift], times: 1 } });
    const donors = [
      ...new Map(
        rest.map((d) => [
          d.donorId,
          { Donor_Id__c: d.donorId, FirstName: d.firstName, LastName: d.lastName, Email: d.email },
        ]),
      ).values(),
    ];
    const upserted = await sf.run('upsertMany', {
      sobject: 'Contact',
      externalIdField: 'Donor_Id__c',
      records: donors,
    });
    log(
      `Batch: ${upserted.succeeded} donors upserted by Donor_Id__c (${upserted.results.filter((r) => r.created).length} new), ${upserted.failed} failed`,
    );

    const donorIds = new Map(donors.map((d, i) => [d.Donor_Id__c, upserted.results[i]!.id!]));
    const gifts = rest.map((d) => ({ Gift_Id__c: d.giftId, Donor__c: donorIds.get(d.donorId), Amount__c: d.amount }));
    const recorded = await sf.run('upsertMany', {
      sobject: 'Donation__c',
      externalIdField: 'Gift_Id__c',
      records: gifts,
    });
    log(`Batch: ${recorded.succeeded} donations recorded by Gift_Id__c, ${recorded.failed} failed`);

    const lockedResent =
      org.state.requests.filter(
        (r) => r.status === 200 && r.path.endsWith('/composite/sobjects/Donation__c/Gift_Id__c'),
      ).length - Math.ceil(gifts.length / 200);
    const summary: DonationsSummary = {
      donorsUpserted: org.state.records('Contact').length,
      donationsRecorded: org.state.records('Donation__c').length,
      apiCalls: org.state.apiUsage,
      tokenRequests: org.state.tokenRequests.length,
      lockedRowsResent: lockedResent,
    };
    const usage = sf.state.client.apiUsage;
    log(`Session expired mid-batch: ${summary.tokenRequests} token requests in all (sign-in + one refresh)`);
    log(`Row ${lockedGift} was locked once by another transaction: ${lockedResent} extra call re-sent only that row`);
    log(
      `Salesforce now holds ${summary.donorsUpserted} donors and ${summary.donationsRecorded} donations; ${summary.apiCalls} API calls counted against the daily allocation (api-usage ${usage?.used}/${usage?.max})`,
    );
    return summary;
  } finally {
    await sf.close();
    await org.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
