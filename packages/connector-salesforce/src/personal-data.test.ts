import { personalDataOf } from '@relaykit/sdk-core';
import { describe, expect, it } from 'vitest';
import { salesforceConnector } from './connector.js';

const ops = salesforceConnector.operations;

describe('Salesforce personal-data marks', () => {
  it('marks donor e-mail, phone, name and ids in inputs', () => {
    expect(
      personalDataOf(ops.upsert.input, {
        sobject: 'Contact',
        externalIdField: 'Donor_Id__c',
        externalId: 'D-1001',
        fields: {
          FirstName: 'Ada',
          LastName: 'Okafor',
          Email: 'ada@example.org',
          MobilePhone: '+62 812 555 0100',
          Amount__c: 5,
        },
      }).map((p) => [p.kind, p.path.join('.'), p.value]),
    ).toEqual([
      ['id', 'externalId', 'D-1001'],
      ['name', 'fields.FirstName', 'Ada'],
      ['name', 'fields.LastName', 'Okafor'],
      ['email', 'fields.Email', 'ada@example.org'],
      ['phone', 'fields.MobilePhone', '+62 812 555 0100'],
    ]);
    expect(personalDataOf(ops.upsertMany.input, ops.upsertMany.example).map((p) => [p.kind, p.path.join('.')])).toEqual(
      [
        ['name', 'records.0.LastName'],
        ['name', 'records.1.LastName'],
      ],
    );
    const composite = personalDataOf(ops.composite.input, ops.composite.example);
    expect(composite.map((p) => `${p.kind}:${p.path.join('.')}`)).toEqual([
      'freeText:subrequests.0.body.LastName',
      'freeText:subrequests.1.body.Donor__c',
      'freeText:subrequests.1.body.Amount__c',
    ]);
  });

  it('marks what reads return, and validation is unchanged', () => {
    expect(
      personalDataOf(ops.get.output, {
        record: { attributes: { type: 'Contact' }, Id: '003', Email: 'a@b.co', Phone: null },
      }).map((p) => p.kind),
    ).toEqual(['email']);
    expect(
      ops.update.input.safeParse({ sobject: 'Contact', id: '003', fields: { Email: 5, Other: [1] } }).success,
    ).toBe(true);
    expect(ops.update.input.safeParse({ sobject: 'Contact', id: '003', fields: 'x' }).success).toBe(false);
  });
});
