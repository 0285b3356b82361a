import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

// Tests run against the TypeScript sources of sibling packages, so no build is needed to test.
const packages = [
  'sdk-core',
  'testkit',
  'connector-salesforce',
  'connector-mahak',
  'connector-whatsapp',
  'gateway',
  'client',
];

export default defineConfig({
  resolve: {
    alias: packages.flatMap((name) => [
      { find: new RegExp(`^@relaykit/${name}/(.+)$`), replacement: src(`${name}/src/$1/index.ts`) },
      { find: new RegExp(`^@relaykit/${name}$`), replacement: src(`${name}/src/index.ts`) },
    ]),
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['./vitest.global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
