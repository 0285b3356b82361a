import { availableParallelism } from 'node:os';
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

// Files that assert how fast something happens (pacing to a limit, recovery within seconds of Redis returning):
// they run after the rest, one at a time, so the other test files do not compete with them for the CPU.
const timed = [
  'packages/connector-whatsapp/src/sender/limits.int.test.ts',
  'packages/connector-whatsapp/src/sender/adaptive.test.ts',
  'packages/sdk-core/src/ratelimit/multiprocess.int.test.ts',
  'packages/sdk-core/src/ratelimit/memory.precision.test.ts',
  'packages/gateway/src/gateway.outage.int.test.ts',
  'packages/gateway/src/queue/bee.outage.int.test.ts',
  'bench/chaos/chaos.int.test.ts',
];
const excluded = ['**/node_modules/**', '**/dist/**'];

export default defineConfig({
  resolve: {
    alias: packages.flatMap((name) => [
      { find: new RegExp(`^@relaykit/${name}/(.+)$`), replacement: src(`${name}/src/$1/index.ts`) },
      { find: new RegExp(`^@relaykit/${name}$`), replacement: src(`${name}/src/index.ts`) },
    ]),
  },
  test: {
    globalSetup: ['./vitest.global-setup.ts'],
    // Generous: two files share each core, and a slow machine must not turn a passing test into a timeout.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true,
        // Most files wait on subprocesses, sockets and databases rather than the CPU: two at a time even on two cores.
        test: {
          name: 'concurrent',
          include: [
            'packages/*/src/**/*.test.ts',
            'examples/*/**/*.test.ts',
            'e2e/**/*.test.ts',
            'bench/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          exclude: [...excluded, ...timed],
          maxWorkers: Math.max(2, availableParallelism() - 1),
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'timed', include: timed, exclude: excluded, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
