import { z } from 'zod';
import { isInvalidScopeError, problem } from '../errors/index.js';
import { MAX_ROTATION_GRACE_SECONDS } from '../keys/keys.js';
import type { RouteRequest } from '../http/route.js';
import { defineRoute } from '../http/route.js';

/** An API key as the operator API shows it (never its secret). */
export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  environment: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z
    .string()
    .nullable()
    .optional()
    .describe('Last accepted use, to the minute (recorded at most once a minute per key)'),
  rotatedAt: z.string().nullable().optional(),
  previousValidUntil: z
    .string()
    .nullable()
    .optional()
    .describe('Until when the secret the last rotation replaced is still accepted (null: it is not)'),
});

const keyId = z.strictObject({ id: z.string().min(1).max(100) });

/** The active key `id` of the caller's environment; 404 like a missing one otherwise. */
async function activeKey(request: RouteRequest<{ id: string }, unknown, unknown>) {
  const { deps, principal, params } = request;
  const key = await deps.keys.get(params.id);
  // Another environment's key answers like a missing one.
  if (!key || key.environment !== principal.environment || key.revokedAt)
    throw problem('NOT_FOUND', `No active key ${params.id} in environment "${principal.environment}".`);
  return key;
}

/** `GET /v1/admin/keys`: the keys of the caller's environment, revoked ones included, with their last use. */
export const listKeys = defineRoute({
  method: 'get',
  path: '/v1/admin/keys',
  operationId: 'keys.list',
  summary: 'List API keys',
  description:
    "The keys of the caller's environment, revoked ones included, with their last use (to the minute) and rotation; never a secret.",
  tags: ['operator'],
  permission: 'admin:keys',
  response: z.object({ keys: z.array(apiKeySchema) }),
  async handler({ deps, principal }) {
    return { keys: (await deps.keys.list()).filter((k) => k.environment === principal.environment) };
  },
});

/** `POST /v1/admin/keys`: a new key of the caller's environment; its secret is in this answer only. */
export const createKey = defineRoute({
  method: 'post',
  path: '/v1/admin/keys',
  operationId: 'keys.create',
  summary: 'Create an API key (the secret is shown once)',
  description:
    "A key of the caller's environment with the given scopes (each checked against the grammar, every bad one listed). Only the secret's SHA-256 hash is stored: this answer is the only time it is shown.",
  tags: ['operator'],
  permission: 'admin:keys',
  status: 201,
  body: z.strictObject({
    name: z.string().min(1).max(200).default('unnamed'),
    environment: z.string().min(1).optional().describe("Defaults to the caller's; no other is allowed"),
    scopes: z
      .array(z.string())
      .default(['*'])
      .describe(
        '`*`, `<instance>`, `<instance>:*`, `<instance>:<operation>` or operator permissions (`admin:read`, ...)',
      ),
  }),
  example: { name: 'crm-sync', scopes: ['sf-prod:upsert', 'sf-prod:query'] },
  response: z.object({ key: apiKeySchema, secret: z.string().describe('Shown once; only its hash is stored') }),
  async handler({ ctx, deps, principal, body, audit }) {
    const environment = body.environment ?? principal.environment;
    audit({ name: body.name, environment, scopes: body.scopes });
    if (environment !== principal.environment)
      throw problem(
        'FORBIDDEN_ENVIRONMENT',
        `This caller belongs to environment "${principal.environment}"; it cannot make keys for "${environment}".`,
      );
    try {
      const created = await deps.keys.create({ name: body.name, scopes: body.scopes, environment });
      ctx.set('Location', `/v1/admin/keys/${created.key.id}`);
      return created;
    } catch (error) {
      if (!isInvalidScopeError(error)) throw error;
      throw problem('VALIDATION', error.message, {
        extensions: { errors: error.scopes.map((s, i) => ({ path: `scopes.${i}`, message: `invalid scope "${s}"` })) },
      });
    }
  },
});

/**
 * `POST /v1/admin/keys/{id}/rotate`: a new secret for the key (shown once); the old one keeps working for
 * `graceSeconds`, then gets 401 (within the ~1 s key cache on other processes).
 */
export const rotateKey = defineRoute({
  method: 'post',
  path: '/v1/admin/keys/{id}/rotate',
  operationId: 'keys.rotate',
  summary: 'Rotate an API key: new secret, old one valid for a grace period',
  description:
    'The key keeps its id, scopes and environment. The old secret is accepted for `graceSeconds` (0 to 604800; 0: refused at once), then answers 401. Rotating again ends the previous grace period.',
  tags: ['operator'],
  permission: 'admin:keys',
  params: keyId,
  body: z.strictObject({
    graceSeconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).default(0),
  }),
  example: { graceSeconds: 3600 },
  response: z.object({ key: apiKeySchema, secret: z.string().describe('Shown once; only its hash is stored') }),
  errors: [404],
  async handler(request) {
    const { deps, params, body, audit } = request;
    audit({ id: params.id, graceSeconds: body.graceSeconds });
    await activeKey(request);
    const rotated = await deps.keys.rotate(params.id, body.graceSeconds);
    if (!rotated) throw problem('NOT_FOUND', `No active key ${params.id}.`);
    return rotated;
  },
});

/** `DELETE /v1/admin/keys/{id}`: revokes the key, at once in this process and within ~1 s on the others. */
export const revokeKey = defineRoute({
  method: 'delete',
  path: '/v1/admin/keys/{id}',
  operationId: 'keys.revoke',
  summary: 'Revoke an API key',
  description:
    'Refused at once by this process and within about 1 s by the others sharing the database (their key cache).',
  tags: ['operator'],
  permission: 'admin:keys',
  params: keyId,
  response: z.object({ key: apiKeySchema }),
  errors: [404],
  async handler(request) {
    const { deps, params, audit } = request;
    audit({ id: params.id });
    await activeKey(request);
    if (!(await deps.keys.revoke(params.id))) throw problem('NOT_FOUND', `No active key ${params.id}.`);
    return { key: (await deps.keys.get(params.id))! };
  },
});

/** The key-management routes (permission `admin:keys`). */
export const KEY_ROUTES = [listKeys, createKey, rotateKey, revokeKey];
