#!/usr/bin/env node
import { runCli } from './cli/program.js';

void runCli(process.argv).then((code) => {
  if (code !== 0) process.exit(code);
});
