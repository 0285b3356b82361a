import { readFile } from 'node:fs/promises';
import { buildOpenApi } from '@relaykit/gateway';
import { expect, it } from 'vitest';
import { generateTypes, target } from '../../scripts/generate.mjs';

// The committed types must be what the gateway's current generic document gives: a gateway change to the document
// without `npm run generate:src -w @relaykit/client` fails here (typecheck and the client would use stale shapes).
it('src/generated/openapi.d.ts is up to date with the gateway document (else: npm run generate:src -w @relaykit/client)', async () => {
  const committed = await readFile(target, 'utf8');
  const fresh = await generateTypes(buildOpenApi);
  expect(fresh.length).toBeGreaterThan(1000);
  expect(committed === fresh, 'src/generated/openapi.d.ts is stale: run npm run generate:src -w @relaykit/client').toBe(
    true,
  );
});

it('the generated types name no instance: only the generic routes', async () => {
  const committed = await readFile(target, 'utf8');
  expect(committed).toContain('"/v1/jobs/{id}"');
  expect(committed).toContain('"/v1/jobs/batch"');
  expect(committed).not.toMatch(/sf-demo|mahak-demo|wa-demo|echo-dev/);
});
