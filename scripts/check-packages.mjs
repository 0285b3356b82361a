// Proves every published package's built entries load by `import` and by `require`, and that
// their types resolve for both (publint + are-the-types-wrong), and that no test-only code (`src/test-support/`,
// `*.test.ts`, `*.contract.ts`, `*.worker.ts`) was bundled into a `dist`. Runs after `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(join(root, 'package.json'));
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failures = 0;
let checked = 0;

for (const dir of readdirSync(join(root, 'packages'))) {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');
  for (const sub of subpaths) {
    const specifier = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
    try {
      const esm = await import(specifier);
      const cjs = require(specifier);
      const esmKeys = Object.keys(esm)
        .filter((k) => k !== 'default' && k !== 'module.exports')
        .sort();
      const cjsKeys = Object.keys(cjs).sort();
      if (JSON.stringify(esmKeys) !== JSON.stringify(cjsKeys))
        throw new Error(`ESM and CJS export different names:\n  esm: ${esmKeys}\n  cjs: ${cjsKeys}`);
      console.log(`ok   ${specifier}: import and require give the same ${esmKeys.length} exports`);
      checked++;
    } catch (error) {
      failures++;
      console.error(`FAIL ${specifier}: ${error instanceof Error ? error.message : error}`);
    }
  }
  const pkgDir = join(root, 'packages', dir);
  // tsup bundles, so test code would show up as a source of a bundle, not as a file of its own.
  const testOnly = /(^|\/)test-support\/|\.(test|contract|worker)\.ts$/;
  const dist = join(pkgDir, 'dist');
  const bundled = existsSync(dist)
    ? readdirSync(dist, { recursive: true })
        .filter((f) => f.endsWith('.map'))
        .flatMap((f) => JSON.parse(readFileSync(join(dist, f), 'utf8')).sources.map((s) => `${f}: ${s}`))
        .filter((s) => testOnly.test(s))
    : [];
  if (bundled.length) {
    failures++;
    console.error(`FAIL ${pkg.name}: test-only code in dist:\n  ${bundled.join('\n  ')}`);
  } else console.log(`ok   ${pkg.name}: no test-only code in dist`);
  for (const [tool, args] of [
    ['publint', ['--strict', pkgDir]],
    ['attw', ['--pack', pkgDir, '--profile', 'node16', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(bin(tool), args, { stdio: 'pipe', cwd: root });
      console.log(`ok   ${pkg.name}: ${tool}`);
    } catch (error) {
      failures++;
      console.error(`FAIL ${pkg.name}: ${tool}\n${error.stdout?.toString() ?? ''}${error.stderr?.toString() ?? ''}`);
    }
  }
}
console.log(`packages: ${checked} entries checked, ${failures} failed`);
process.exit(failures ? 1 : 0);
