import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { isInvalidScopeError, problem } from '../errors/index.js';
import { ADMIN_KEYS_SCOPE, grantsKeyAdmin, MAX_ROTATION_GRACE_SECONDS, type ApiKey } from '../keys/keys.js';
import { authenticate } from './auth.js';
import { parseJson, readRawBody } from './body.js';
import type { HttpDeps } from './types.js';

const createBody = z.strictObject({
  name: z.string().min(1).max(200).default('unnamed'),
  environment: z.string().min(1).optional(),
  scopes: z.array(z.string()).default(['*']),
});

const rotateBody = z.strictObject({
  graceSeconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).default(0),
});

/** The admin key of the request: authenticated and holding `admin:keys` (`*` does not: it names instances only). */
async function adminKey(ctx: Context, deps: HttpDeps): Promise<ApiKey> {
  const key = await authenticate(ctx, deps);
  if (!grantsKeyAdmin(key.scopes))
    throw problem(
      'FORBIDDEN_SCOPE',
      `This API key's scopes (${key.scopes.join(', ') || 'none'}) do not include ${ADMIN_KEYS_SCOPE}, which managing keys needs.`,
    );
  return key;
}

/**
 * Key management through the running gateway: `GET`/`POST /v1/admin/keys`, `DELETE /v1/admin/keys/{id}`, for keys
 * with the `admin:keys` scope, each within its own environment. Going through the gateway is what makes a new key
 * usable and a revocation effective at once in this process (and within the ~1 s key cache on the others), and the
 * only safe way while a gateway holds a single-process PGlite directory. Registered before `/v1/{instance}/{op}`.
 */
export function registerAdminKeyRoutes(router: Router, deps: HttpDeps): void {
  router.get('/v1/admin/keys', async (ctx) => {
    const admin = await adminKey(ctx, deps);
    ctx.state.audit = { operation: 'admin:keys.list' };
    ctx.body = { keys: (await deps.keys.list()).filter((k) => k.environment === admin.environment) };
  });

  router.post('/v1/admin/keys', async (ctx) => {
    const admin = await adminKey(ctx, deps);
    const parsed = createBody.safeParse(
      parseJson(ctx, await readRawBody(ctx, deps.config.server.bodyLimit), deps.config.server.maxJsonDepth),
    );
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
      throw problem(
        'VALIDATION',
        `Invalid key: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`,
        { extensions: { errors } },
      );
    }
    const environment = parsed.data.environment ?? admin.environment;
    if (environment !== admin.environment)
      throw problem(
        'FORBIDDEN_ENVIRONMENT',
        `This admin key belongs to environment "${admin.environment}"; it cannot make keys for "${environment}".`,
      );
    ctx.state.audit = {
      operation: 'admin:keys.create',
      payload: { name: parsed.data.name, environment, scopes: parsed.data.scopes },
    };
    try {
      const { key, secret } = await deps.keys.create({ ...parsed.data, environment });
      ctx.status = 201;
      ctx.set('Location', `/v1/admin/keys/${key.id}`);
      ctx.body = { key, secret };
    } catch (error) {
      if (!isInvalidScopeError(error)) throw error;
      throw problem('VALIDATION', error.message, {
        extensions: { errors: error.scopes.map((s, i) => ({ path: `scopes.${i}`, message: `invalid scope "${s}"` })) },
      });
    }
  });

  router.post('/v1/admin/keys/:id/rotate', async (ctx) => {
    const admin = await adminKey(ctx, deps);
    const id = ctx.params.id!;
    const raw = await readRawBody(ctx, deps.config.server.bodyLimit);
    const parsed = rotateBody.safeParse(raw.length ? parseJson(ctx, raw, deps.config.server.maxJsonDepth) : {});
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
      throw problem(
        'VALIDATION',
        `Invalid rotation: ${errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`,
        { extensions: { errors } },
      );
    }
    ctx.state.audit = { operation: 'admin:keys.rotate', payload: { id, graceSeconds: parsed.data.graceSeconds } };
    const key = await deps.keys.get(id);
    // Another environment's key answers like a missing one.
    if (!key || key.environment !== admin.environment || key.revokedAt)
      throw problem('NOT_FOUND', `No active key ${id} in environment "${admin.environment}".`);
    const rotated = await deps.keys.rotate(id, parsed.data.graceSeconds);
    if (!rotated) throw problem('NOT_FOUND', `No active key ${id}.`);
    ctx.body = rotated;
  });

  router.delete('/v1/admin/keys/:id', async (ctx) => {
    const admin = await adminKey(ctx, deps);
    const id = ctx.params.id!;
    ctx.state.audit = { operation: 'admin:keys.revoke', payload: { id } };
    const key = await deps.keys.get(id);
    // Another environment's key answers like a missing one.
    if (!key || key.environment !== admin.environment || key.revokedAt)
      throw problem('NOT_FOUND', `No active key ${id} in environment "${admin.environment}".`);
    if (!(await deps.keys.revoke(id))) throw problem('NOT_FOUND', `No active key ${id}.`);
    ctx.body = { key: await deps.keys.get(id) };
  });
}
