import { z } from 'zod';
import { problem } from '../errors/index.js';
import { defineRoute, type Route } from '../http/route.js';
import type { HttpDeps } from '../http/types.js';
import type { KeyRotation } from './key-rotation.js';

const tags = ['operator: encryption'];

const RotationRunView = z
  .object({
    state: z.enum(['running', 'done', 'failed']),
    target: z.string().describe('The primary key id rows are re-sealed with'),
    rotated: z.number().int().describe('Rows re-sealed by this run so far'),
    column: z.string().nullable().describe('The column being re-sealed (while running)'),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    error: z.string().nullable().describe('Stable code of the failure; start again to resume'),
  })
  .meta({ id: 'KeyRotationRun' });

const StatusView = z.object({
  primary: z.string().nullable().describe('The primary key id (null: encryption is off)'),
  keys: z.record(z.string(), z.number().int()).describe('Sealed rows per key id, all columns'),
  columns: z
    .record(z.string(), z.record(z.string(), z.number().int()))
    .describe('Rows per key id (`plain`: not sealed) in each sealed column'),
  pending: z.array(z.string()).describe('Key ids other than the primary that rows still need'),
  rotation: RotationRunView.nullable().describe('The rotation started through this gateway process, if any'),
});

function rotationOf(deps: HttpDeps): KeyRotation {
  const rotation = deps.privacy?.keyRotation;
  if (!rotation) throw problem('PRIVACY_UNAVAILABLE', 'The privacy area is not enabled in this gateway.');
  return rotation;
}

/** Operator routes of key rotation: what `relaykit encryption status|rotate` do, through the API. */
export const ENCRYPTION_ROUTES: Route[] = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/encryption',
    operationId: 'admin.encryption.status',
    summary: 'Sealed rows per key id, the keys still needed besides the primary, and the rotation in progress',
    permission: 'admin:privacy',
    tags,
    response: StatusView,
    handler: async ({ deps }) => rotationOf(deps).status(),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/encryption/rotate',
    operationId: 'admin.encryption.rotate',
    summary: 'Re-seal every row sealed with an older key with the primary one, in the background (resumable)',
    description:
      'Configure the new primary key (encryption.keys + primary) on every gateway first. Batches commit their ' +
      'progress, so a run stopped with its process resumes when started again; follow it with ' +
      '`GET /v1/admin/encryption` until `pending` is empty, then retire the old keys.',
    permission: 'admin:privacy',
    tags,
    body: z.object({ batch: z.number().int().min(1).max(10_000).optional().describe('Rows per transaction') }),
    example: { batch: 1000 },
    status: 202,
    errors: [409],
    response: RotationRunView,
    async handler({ deps, body, audit }) {
      const run = rotationOf(deps).start(body.batch);
      audit({ target: run.target });
      return run;
    },
  }),
];
