import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  files: string[];
};

describe('the relaykit executable', () => {
  it('is linked by the install (not only after a build) and prints the package version', async () => {
    // npm links a bin only when its target exists at install time: the target is a committed launcher.
    expect(pkg.bin.relaykit).toBe('./bin/relaykit.js');
    expect(pkg.files).toContain('bin');
    const bin = `${root}node_modules/.bin/relaykit`;
    expect(existsSync(bin)).toBe(true);
    const { stdout } = await run(bin, ['--version'], { cwd: root, timeout: 60_000 });
    expect(stdout.trim()).toBe(pkg.version);
  }, 90_000);
});
