import { createEnvelopeCipher, createLock, defineConnector, operationsFor, type Lock } from '@relaykit/sdk-core';
import { z } from 'zod';
import { createTokenStore, type TokenStore } from './auth/token-store.js';
import { SalesforceClient } from './client/client.js';
import { salesforceClassifier } from './client/classify.js';
import { recordId, sobjectFields } from './personal-data.js';

const nonEmpty = z.string().min(1);

/** Authentication of a connector instance: one of the four OAuth flows. */
export const salesforceAuthSchema = z.discriminatedUnion('flow', [
  z
    .object({ flow: z.literal('client_credentials'), clientId: nonEmpty, clientSecret: nonEmpty })
    .describe('Client credentials (needs instanceUrl: the My Domain URL)'),
  z
    .object({
      flow: z.literal('jwt_bearer'),
      clientId: nonEmpty,
      username: nonEmpty,
      privateKey: nonEmpty.describe('PEM private key of the connected app certificate'),
      audience: z.string().optional(),
      lifetimeSeconds: z.number().int().min(30).max(3600).optional(),
    })
    .describe('JWT bearer (RS256)'),
  z
    .object({
      flow: z.literal('refresh_token'),
      clientId: nonEmpty,
      clientSecret: z.string().optional(),
      refreshToken: nonEmpty,
    })
    .describe('Refresh token, with rotation'),
  z
    .object({
      flow: z.literal('password'),
      clientId: nonEmpty,
      clientSecret: nonEmpty,
      username: nonEmpty,
      password: nonEmpty,
      securityToken: z.string().optional(),
    })
    .describe('Username-password (legacy; deprecated by Salesforce)'),
]);

/** Configuration of one Salesforce connector instance. */
export const salesforceConfigSchema = z
  .object({
    instanceUrl: z.url().optional().describe("The org's My Domain URL, e.g. https://acme.my.salesforce.com"),
    loginUrl: z.url().optional().describe('Token host: login.salesforce.com, test.salesforce.com or the My Domain URL'),
    apiVersion: z
      .string()
      .regex(/^\d{2,3}\.0$/)
      .default('62.0'),
    auth: salesforceAuthSchema,
    apiGateway: z
      .object({
        baseUrl: z.url(),
        subscriptionKey: nonEmpty,
        tokenViaGateway: z.boolean().optional(),
      })
      .optional()
      .describe('Azure API Management (or similar) front: every call goes through it with Ocp-Apim-Subscription-Key'),
    limitGuardShare: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .describe('Refuse non-urgent calls past this share of the daily API allocation'),
    concurrency: z.number().int().min(1).max(25).default(6).describe('Collection chunks sent at once'),
    sessionEncryption: z
      .object({
        keys: z.array(z.object({ id: nonEmpty, key: nonEmpty.describe('32 bytes, base64') })).min(1),
        primary: z.string().optional().describe('Id of the key sealing new sessions (default: the last)'),
      })
      .optional()
      .describe('Seal sessions stored in Redis (AES-256-GCM); recommended with a shared Redis'),
  })
  .refine((c) => c.auth.flow !== 'client_credentials' || c.instanceUrl !== undefined || c.loginUrl !== undefined, {
    message: 'client_credentials needs instanceUrl (the My Domain URL)',
    path: ['instanceUrl'],
  });

/** Parsed configuration of {@link salesforceConnector}. */
export type SalesforceConnectorConfig = z.output<typeof salesforceConfigSchema>;

/** What `setup` builds per instance. */
export interface SalesforceConnectorState {
  client: SalesforceClient;
  store: TokenStore;
  lock: Lock | undefined;
}

const op = operationsFor<SalesforceConnectorState>();
const fields = sobjectFields.describe('Field values by API name');
const saveResult = z.object({
  id: z.string().optional(),
  success: z.boolean(),
  created: z.boolean().optional(),
  errors: z.array(z.object({ statusCode: z.string(), message: z.string(), fields: z.array(z.string()).optional() })),
});
const call = (ctx: { signal: AbortSignal }, urgent?: boolean) => ({
  signal: ctx.signal,
  ...(urgent ? { urgent } : {}),
});
const urgent = z.boolean().optional().describe('Bypass the daily-allocation guard');

/**
 * The Salesforce connector: REST, collections, composite, SOQL and Bulk 2.0 as typed operations,
 * with sessions shared (and refreshed once) across workers when the runtime has Redis.
 */
export const salesforceConnector = defineConnector({
  name: 'salesforce',
  version: '0.1.0',
  description: 'Salesforce REST, Composite, SOQL and Bulk API 2.0, behind an optional API gateway',
  config: salesforceConfigSchema,
  setup(ctx) {
    const { config } = ctx;
    const cipher = config.sessionEncryption
      ? createEnvelopeCipher({
          keys: config.sessionEncryption.keys,
          ...(config.sessionEncryption.primary ? { primary: config.sessionEncryption.primary } : {}),
        })
      : undefined;
    const store = createTokenStore({ redisUrl: ctx.redisUrl, prefix: `relaykit:salesforce:${ctx.instance}`, cipher });
    const lock = ctx.redisUrl ? createLock({ redisUrl: ctx.redisUrl, prefix: 'relaykit:lock:salesforce' }) : undefined;
    const client = new SalesforceClient({
      instanceUrl: config.instanceUrl,
      loginUrl: config.loginUrl,
      apiVersion: config.apiVersion,
      auth:
        config.auth.flow === 'refresh_token'
          ? {
              ...config.auth,
              onRefreshTokenRotated: () => {
                ctx.logger.info(
                  { instance: ctx.instance },
                  'salesforce refresh token rotated (kept in the session store)',
                );
              },
            }
          : config.auth,
      apiGateway: config.apiGateway,
      limitGuardShare: config.limitGuardShare,
      concurrency: config.concurrency,
      createHttpClient: ctx.createHttpClient,
      tokenStore: store,
      lock,
      sessionKey: ctx.instance,
      logger: ctx.logger,
    });
    return { client, store, lock };
  },
  async teardown(state) {
    await state.client.close();
    await state.store.close();
    await state.lock?.close();
  },
  classify: salesforceClassifier,
  async health(ctx) {
    try {
      const limits = await ctx.state.client.limits({ urgent: true, signal: ctx.signal });
      return { ok: true, details: { dailyApiRequests: limits.DailyApiRequests } };
    } catch (e) {
      return { ok: false, details: { error: (e as Error).message } };
    }
  },
  operations: {
    upsert: op({
      description:
        'Creates or updates one record by an external id (201 created, 200/204 updated). Several matches fail with SALESFORCE_MULTIPLE_MATCHES.',
      idempotent: true,
      input: z.object({
        sobject: nonEmpty,
        externalIdField: nonEmpty,
        externalId: recordId,
        fields,
        updateOnly: z.boolean().optional(),
        urgent,
      }),
      output: z.object({ id: z.string().optional(), created: z.boolean() }),
      example: {
        sobject: 'Contact',
        externalIdField: 'Donor_Id__c',
        externalId: 'D-1001',
        fields: { LastName: 'Okafor', Email: 'ada@example.org' },
      },
      run: (ctx, i) =>
        ctx.state.client.upsert(i.sobject, i.externalIdField, i.externalId, i.fields, {
          ...call(ctx, i.urgent),
          ...(i.updateOnly ? { updateOnly: true } : {}),
        }),
    }),
    create: op({
      description: 'Creates one record. Not replayed on an ambiguous failure (a duplicate could arise): prefer upsert.',
      idempotent: false,
      input: z.object({ sobject: nonEmpty, fields, urgent }),
      output: z.object({ id: z.string() }),
      example: { sobject: 'Task', fields: { Subject: 'Call donor' } },
      run: (ctx, i) => ctx.state.client.create(i.sobject, i.fields, call(ctx, i.urgent)),
    }),
    update: op({
      description: 'Updates one record by id.',
      idempotent: true,
      input: z.object({ sobject: nonEmpty, id: recordId, fields, urgent }),
      output: z.object({ id: z.string() }),
      example: { sobject: 'Contact', id: '003000000000001AAA', fields: { Phone: '+62 21 555 0100' } },
      run: async (ctx, i) => {
        await ctx.state.client.update(i.sobject, i.id, i.fields, call(ctx, i.urgent));
        return { id: i.id };
      },
    }),
    delete: op({
      description: 'Deletes one record by id (to the recycle bin).',
      idempotent: true,
      input: z.object({ sobject: nonEmpty, id: recordId, urgent }),
      output: z.object({ id: z.string(), deleted: z.literal(true) }),
      example: { sobject: 'Contact', id: '003000000000001AAA' },
      run: async (ctx, i) => {
        await ctx.state.client.delete(i.sobject, i.id, call(ctx, i.urgent));
        return { id: i.id, deleted: true as const };
      },
    }),
    get: op({
      description: 'Reads one record by id, optionally only some fields.',
      idempotent: true,
      input: z.object({ sobject: nonEmpty, id: recordId, fields: z.array(nonEmpty).optional(), urgent }),
      output: z.object({ record: sobjectFields }),
      example: { sobject: 'Contact', id: '003000000000001AAA', fields: ['LastName', 'Email'] },
      run: async (ctx, i) => ({ record: await ctx.state.client.get(i.sobject, i.id, i.fields, call(ctx, i.urgent)) }),
    }),
    upsertMany: op({
      description:
        'Upserts any number of records by external id through sObject Collections (200 a call, in parallel); rows locked by another transaction are re-sent alone. Results in input order.',
      idempotent: true,
      input: z.object({
        sobject: nonEmpty,
        externalIdField: nonEmpty,
        records: z.array(fields).min(1),
        allOrNone: z.boolean().optional(),
        urgent,
      }),
      output: z.object({ results: z.array(saveResult), succeeded: z.number().int(), failed: z.number().int() }),
      example: {
        sobject: 'Contact',
        externalIdField: 'Donor_Id__c',
        records: [
          { Donor_Id__c: 'D-1', LastName: 'Okafor' },
          { Donor_Id__c: 'D-2', LastName: 'Santoso' },
        ],
      },
      run: async (ctx, i) => {
        const results = await ctx.state.client.upsertMany(i.sobject, i.externalIdField, i.records, {
          ...call(ctx, i.urgent),
          allOrNone: i.allOrNone,
          onProgress: (done, total) => ctx.progress({ done, total }),
        });
        const succeeded = results.filter((r) => r.success).length;
        return { results, succeeded, failed: results.length - succeeded };
      },
    }),
    composite: op({
      description:
        'Up to 25 subrequests in one API call; later ones reference earlier answers as @{referenceId.id}. Example: a contact upsert plus its donation.',
      idempotent: false,
      input: z.object({
        allOrNone: z.boolean().default(true),
        subrequests: z
          .array(
            z.object({
              method: z.enum(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']),
              url: nonEmpty.describe('Relative to the version root (/sobjects/Contact/Ext__c/1) or /services/data/...'),
              referenceId: z.string().regex(/^[A-Za-z0-9_]+$/),
              // Any request body: all of it is masked as personal text (its fields are not read one by one).
              body: z.unknown().optional().meta({ pii: 'freeText' }),
            }),
          )
          .min(1)
          .max(25),
        urgent,
      }),
      output: z.object({
        responses: z.array(
          z.object({
            body: z.unknown(),
            httpHeaders: z.record(z.string(), z.string()),
            httpStatusCode: z.number().int(),
            referenceId: z.string(),
          }),
        ),
      }),
      example: {
        allOrNone: true,
        subrequests: [
          {
            method: 'PATCH',
            url: '/sobjects/Contact/Donor_Id__c/D-1',
            referenceId: 'donor',
            body: { LastName: 'Okafor' },
          },
          {
            method: 'POST',
            url: '/sobjects/Donation__c',
            referenceId: 'gift',
            body: { Donor__c: '@{donor.id}', Amount__c: 250000 },
          },
        ],
      },
      run: async (ctx, i) => ({
        responses: await ctx.state.client.composite(i.subrequests, { ...call(ctx, i.urgent), allOrNone: i.allOrNone }),
      }),
    }),
    query: op({
      description: 'Runs a SOQL query and returns its records, following nextRecordsUrl up to maxRecords.',
      idempotent: true,
      input: z.object({
        soql: nonEmpty,
        includeDeleted: z.boolean().optional(),
        batchSize: z.number().int().min(200).max(2000).optional(),
        maxRecords: z.number().int().min(1).max(1_000_000).default(10_000),
        urgent,
      }),
      output: z.object({
        records: z.array(sobjectFields),
        totalSize: z.number().int(),
        truncated: z.boolean(),
      }),
      example: { soql: "SELECT Id, LastName FROM Contact WHERE Donor_Id__c = 'D-1'" },
      run: async (ctx, i) => {
        const records: Array<Record<string, unknown>> = [];
        let totalSize = 0;
        for await (const page of ctx.state.client.queryPages(i.soql, {
          ...call(ctx, i.urgent),
          includeDeleted: i.includeDeleted,
          batchSize: i.batchSize,
        })) {
          totalSize = page.totalSize;
          for (const r of page.records) {
            if (records.length >= i.maxRecords) return { records, totalSize, truncated: true };
            records.push(r);
          }
        }
        return { records, totalSize, truncated: false };
      },
    }),
    bulkIngest: op({
      description:
        'Loads records through Bulk API 2.0 (split past ~100 MB into several jobs), waits for completion with progress events, and returns one result per input row.',
      idempotent: false,
      // A union rather than a refinement: the OpenAPI document (JSON Schema) then says that upsert needs the field.
      input: z.discriminatedUnion('operation', [
        z.object({
          object: nonEmpty,
          operation: z.literal('upsert'),
          externalIdField: z.string().min(1, 'upsert needs externalIdField'),
          records: z.array(fields).min(1),
          urgent,
        }),
        z.object({
          object: nonEmpty,
          operation: z.enum(['insert', 'update', 'delete', 'hardDelete']),
          externalIdField: z.string().optional(),
          records: z.array(fields).min(1),
          urgent,
        }),
      ]),
      output: z.object({
        jobIds: z.array(z.string()),
        successful: z.number().int(),
        failed: z.number().int(),
        unprocessed: z.number().int(),
        results: z.array(
          z.object({
            index: z.number().int(),
            status: z.enum(['success', 'failed', 'unprocessed']),
            id: z.string().optional(),
            created: z.boolean().optional(),
            error: z.string().optional(),
          }),
        ),
      }),
      example: {
        object: 'Contact',
        operation: 'upsert',
        externalIdField: 'Donor_Id__c',
        records: [{ Donor_Id__c: 'D-1', LastName: 'Okafor' }],
      },
      run: async (ctx, i) => {
        const res = await ctx.state.client.bulkIngest({
          ...call(ctx, i.urgent),
          object: i.object,
          operation: i.operation,
          externalIdField: i.externalIdField,
          records: i.records,
          onProgress: (p) => ctx.progress({ ...p }),
        });
        return {
          jobIds: res.jobs.map((j) => j.id),
          successful: res.successful,
          failed: res.failed,
          unprocessed: res.unprocessed,
          results: res.results,
        };
      },
    }),
    limits: op({
      description: "Reads the org's limits (GET /limits), including DailyApiRequests.",
      idempotent: true,
      input: z.object({}),
      output: z.record(z.string(), z.object({ Max: z.number(), Remaining: z.number() }).loose()),
      example: {},
      run: (ctx) => ctx.state.client.limits({ urgent: true, signal: ctx.signal }),
    }),
  },
});
