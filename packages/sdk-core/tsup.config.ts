import { defineConfig } from 'tsup';

// One entry per feature folder, so `@relaykit/sdk-core/http` loads the transport and what it needs, not the
// Redis and SQL adapters. Splitting keeps one copy of shared code (errors, logging) across the entries.
export const features = [
  'errors',
  'logging',
  'http',
  'tracing',
  'resilience',
  'ratelimit',
  'idempotency',
  'checkpoint',
  'sync',
  'connector',
  'crypto',
  'redis',
  'lock',
  'sql',
] as const;

export default defineConfig({
  entry: { index: 'src/index.ts', ...Object.fromEntries(features.map((name) => [name, `src/${name}/index.ts`])) },
  format: ['esm', 'cjs'],
  dts: true,
  splitting: true,
  shims: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
});
