import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgliteSqlClient } from '@relaykit/sdk-core';
import { it } from 'vitest';
import { statusesSurviveRestart } from './test-support/connector-restart.contract.js';

it('keeps delivery statuses across a restart on the embedded database (PGlite in a data directory)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relaykit-wa-pglite-'));
  try {
    await statusesSurviveRestart(() => pgliteSqlClient(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);
