import type { ConnectorDemo } from '@relaykit/sdk-core';
import { salesforceConnector } from '../connector.js';
import { startFakeOrg } from './server.js';

/** The Contact id the operations' documented examples (update, get, delete) name. */
const EXAMPLE_CONTACT_ID = '003000000000001AAA';

/**
 * The connector's part in `relaykit start --demo`: a fake org holding the Contact the documented examples name, a
 * client-credentials instance configuration for it, and an upsert by external id.
 */
export const demo: ConnectorDemo = {
  connector: salesforceConnector,
  instance: 'sf-demo',
  title: 'Salesforce',
  async start() {
    const fake = await startFakeOrg({
      externalIdFields: { Contact: ['Ext__c', 'Email', 'Donor_Id__c'], Account: ['Ext__c'] },
    });
    // The examples /docs shows run as shown: the record they name exists.
    fake.state.seed('Contact', [
      { Id: EXAMPLE_CONTACT_ID, LastName: 'Rahimi', Email: 'sara@example.org', Ext__c: 'C-1000', Donor_Id__c: 'D-1' },
    ]);
    return {
      config: {
        instanceUrl: fake.url,
        auth: { flow: 'client_credentials', clientId: 'fake-client-id', clientSecret: 'fake-client-secret' },
      },
      samples: [
        {
          title: 'Salesforce: upsert a Contact by external id',
          operation: 'upsert',
          input: salesforceConnector.operations.upsert.example,
          // Upserting the same Contact again changes nothing the other calls show.
          runAtStart: true,
        },
        {
          title: 'Salesforce: read a Contact the org does not hold (fails with NOT_FOUND)',
          operation: 'get',
          input: { sobject: 'Contact', id: '003000000000000AAA' },
          failsOnPurpose: true,
        },
      ],
      fake,
      stop: () => fake.close(),
    };
  },
};
