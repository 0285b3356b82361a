#!/usr/bin/env node
// The `relaykit` command. Committed (not built) so npm links it at install time, before any build: it runs the
// built CLI when there is one (the published package), and in a fresh clone of the repository runs the TypeScript
// sources through tsx with the workspace's path mapping, so `npx relaykit` works right after `npm ci`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = new URL('../dist/cli.js', import.meta.url);
const source = new URL('../src/main.ts', import.meta.url);
const repoTsconfig = new URL('../../../tsconfig.json', import.meta.url);

if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else if (existsSync(fileURLToPath(source)) && existsSync(fileURLToPath(repoTsconfig))) {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('relaykit: the gateway is not built and tsx is not installed: run "npm run build" first.\n');
    process.exit(1);
  }
  register({ tsconfig: fileURLToPath(repoTsconfig) });
  await import(pathToFileURL(fileURLToPath(source)).href);
} else {
  process.stderr.write('relaykit: dist/cli.js is missing: run "npm run build" in the repository first.\n');
  process.exit(1);
}
