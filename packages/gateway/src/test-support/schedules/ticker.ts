// Test and bench support (not part of the package's API): a connector whose one operation does nothing, so a
// scheduling test measures the scheduler and the job path, not an upstream.
import { defineConnector } from '@relaykit/sdk-core';
import { z } from 'zod';

export const tickerConnector = defineConnector({
  name: 'ticker',
  version: '1.0.0',
  config: z.object({}).default({}),
  setup: () => ({}),
  operations: {
    beat: {
      description: 'Returns at once.',
      idempotent: true,
      input: z.object({ n: z.number().optional() }).default({}),
      output: z.object({ ok: z.boolean() }),
      run: async () => ({ ok: true }),
    },
  },
});
