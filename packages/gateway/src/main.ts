#!/usr/bin/env node
// The `relaykit` executable (built to dist/cli.js); the commands live in cli/.
import { runCli } from './cli/program.js';

void runCli(process.argv).then((code) => {
  if (code !== 0) process.exit(code);
});
