import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '../http/openapi.js';
import { OPS_ROUTES } from './index.js';

describe('operator routes in the OpenAPI document', () => {
  const doc = buildOpenApi(new Map()) as { paths: Record<string, Record<string, any>> };

  it('documents every route from its zod schemas, with problem responses', () => {
    expect(OPS_ROUTES.length).toBeGreaterThanOrEqual(11);
    for (const route of OPS_ROUTES) {
      const op = doc.paths[route.path]?.[route.method];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op.operationId).toBe(route.operationId);
      expect(op['x-relaykit-permission']).toBe(route.permission);
      for (const status of ['400', '401', '403'])
        expect(op.responses[status].content['application/problem+json'].schema).toEqual({
          $ref: '#/components/schemas/Problem',
        });
      for (const type of route.produces ?? ['application/json'])
        expect(op.responses[String(route.status ?? 200)].content[type].schema).toBeTypeOf('object');
      if (route.body) expect(op.requestBody.content['application/json'].schema.type).toBe('object');
      if (route.method === 'post') expect(op.requestBody.content['application/json'].example).toBeDefined();
      for (const name of route.path.match(/\{(\w+)\}/g) ?? [])
        expect(op.parameters.find((p: { name: string }) => `{${p.name}}` === name)).toMatchObject({
          in: 'path',
          required: true,
        });
    }
    const ids = OPS_ROUTES.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('turns the list filters into query parameters (status repeatable, limit bounded)', () => {
    const params = doc.paths['/v1/admin/jobs']!.get.parameters as Array<Record<string, any>>;
    const byName = Object.fromEntries(params.map((p) => [p.name, p]));
    expect(Object.keys(byName)).toEqual(
      expect.arrayContaining([
        'status',
        'instance',
        'operation',
        'from',
        'to',
        'idempotencyKey',
        'errorCode',
        'q',
        'limit',
        'cursor',
      ]),
    );
    expect(byName.status).toMatchObject({ in: 'query', required: false, style: 'form', explode: true });
    expect(byName.limit.schema).toMatchObject({ minimum: 1, maximum: 200 });
    expect(doc.paths['/v1/admin/jobs/{id}/cancel']!.post.responses['409']).toBeDefined();
  });
});
