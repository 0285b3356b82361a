import { silentLogger } from '@relaykit/sdk-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../demo/index.js';
import { PRIVACY_ROUTES } from '../privacy/routes.js';
import { GATEWAY_ROUTES } from './gateway-routes.js';
import { buildOpenApi } from './openapi.js';

// Each documented route is defined once (`defineRoute`): the document's request schema is the one the handler
// validates with. Checked against the live demo gateway: a body the document calls invalid is a 400 naming the field.

type Schema = Record<string, any>;
interface Doc {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, Schema> };
}

describe('the privacy routes in the document', () => {
  const doc = buildOpenApi(new Map()) as unknown as Doc;

  it('lists every privacy route with its permission, request and response schemas', () => {
    const listed = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(listed).toEqual(
      expect.arrayContaining([
        'POST /v1/privacy/access',
        'POST /v1/privacy/erasure',
        'GET /v1/privacy/erasure/{id}',
        'POST /v1/privacy/restrictions',
        'DELETE /v1/privacy/restrictions',
      ]),
    );
    for (const route of PRIVACY_ROUTES) {
      const op = doc.paths[route.path]![route.method]!;
      expect(op['x-relaykit-permission'], route.operationId).toBe('admin:privacy');
      expect(op.description, route.operationId).toContain('`admin:privacy`');
      expect(op.security).toEqual([{ apiKey: [] }]);
      expect(op.responses['403'].content['application/problem+json']).toBeDefined();
      if (route.body) {
        expect(op.requestBody.content['application/json'].schema).toEqual({
          $ref: '#/components/schemas/PrivacySubject',
        });
        expect(op.requestBody.content['application/json'].example).toBeDefined();
      }
    }
    const subject = doc.components.schemas.PrivacySubject!;
    expect(Object.keys(subject.properties)).toEqual(['phones', 'emails', 'externalIds', 'reason']);
    expect(subject.additionalProperties).toBe(false);
    const access = doc.paths['/v1/privacy/access']!.post;
    expect(access.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/PrivacyAccessExport',
    });
    expect(doc.components.schemas.PrivacyAccessExport!.properties.summary.required).toEqual(
      expect.arrayContaining(['jobs', 'attempts', 'auditEntries']),
    );
    const erasure = doc.paths['/v1/privacy/erasure']!.post;
    for (const status of ['200', '202'])
      expect(erasure.responses[status].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/PrivacyErasureReceipt',
      });
    expect(doc.paths['/v1/privacy/erasure/{id}']!.get.responses['404']).toBeDefined();
    expect(doc.paths['/v1/privacy/restrictions']!.post.responses['201']).toBeDefined();
  });
});

/** A value of another JSON type than `schema` allows (undefined when it allows any). */
function wrongValue(schema: Schema): unknown {
  const types = new Set<string>(
    [schema.type, ...(schema.anyOf ?? []).map((s: Schema) => s.type)].flat().filter(Boolean) as string[],
  );
  if (!types.size) return undefined;
  for (const [type, value] of [
    ['object', { unexpected: true }],
    ['array', ['unexpected']],
    ['boolean', true],
    ['string', 'unexpected'],
  ] as const)
    if (!types.has(type) && !(type === 'boolean' && types.has('null'))) return value;
  return undefined;
}

describe('each documented request schema is the one its handler validates with', () => {
  let demo: Demo;
  let doc: Doc;
  let key: string;
  let ajv: Ajv2020;
  beforeAll(async () => {
    demo = await startDemo({ port: 0, out: () => undefined, logger: silentLogger, env: {} });
    key = (await demo.gateway.keys.create({ name: 'contract', environment: 'development', scopes: ['*', 'admin:*'] }))
      .secret;
    doc = (await (
      await fetch(`${demo.url}/openapi.json`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as Doc;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (ajv: Ajv2020) => void)(ajv);
    ajv.addSchema({ $id: 'https://relaykit.test/openapi.json', components: doc.components });
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
  });

  it('answers a body the document refuses with 400 VALIDATION naming the broken field', async () => {
    const checked: string[] = [];
    for (const route of GATEWAY_ROUTES.filter((r) => r.body && r.document !== false)) {
      const op = doc.paths[route.path]?.[route.method];
      expect(op, `${route.method} ${route.path} is documented`).toBeDefined();
      const documented = op.requestBody.content['application/json'];
      let schema: Schema = documented.schema;
      if (schema.$ref) schema = doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]!;
      const validate = ajv.compile(
        JSON.parse(JSON.stringify(documented.schema), (k, v) =>
          k === '$ref' && typeof v === 'string' ? `https://relaykit.test/openapi.json${v}` : v,
        ),
      );
      // The document's own example is valid: the same schema, not a drifted copy.
      if (documented.example !== undefined) expect(validate(documented.example), route.operationId).toBe(true);
      const field = Object.entries((schema.properties ?? {}) as Record<string, Schema>).find(
        ([, property]) => wrongValue(property) !== undefined,
      );
      if (!field) continue;
      const body = { ...(documented.example ?? {}), [field[0]]: wrongValue(field[1]) };
      expect(validate(body), `${route.operationId}: the document refuses ${JSON.stringify(body)}`).toBe(false);
      const path = route.path.replace(/\{\w+\}/g, 'job_0000000000000000000000000');
      const res = await fetch(`${demo.url}${path}`, {
        method: route.method.toUpperCase(),
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'idempotency-key': `contract-${route.operationId}`,
        },
        body: JSON.stringify(body),
      });
      const answer = (await res.json()) as { code: string; errors?: Array<{ path: string }> };
      expect(res.status, `${route.operationId}: ${JSON.stringify(answer)}`).toBe(400);
      expect(answer.code).toBe('VALIDATION');
      expect(
        answer.errors?.some((e) => e.path.split('.').includes(field[0])),
        `${route.operationId} lists ${field[0]}: ${JSON.stringify(answer.errors)}`,
      ).toBe(true);
      checked.push(route.operationId);
    }
    expect(checked).toEqual(
      expect.arrayContaining(['jobs.batch', 'schedules.create', 'schedules.update', 'privacy.access', 'privacy.lift']),
    );
  }, 120_000);
});
