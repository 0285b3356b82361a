// Fails when any module in packages/*/src is part of an import cycle, type-only imports included (a type cycle is
// still two modules that cannot be understood one without the other). madge resolves the imports with TypeScript's
// rules; runs in `npm test`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import madge from 'madge';

const root = new URL('..', import.meta.url).pathname;
const packages = readdirSync(join(root, 'packages')).map((dir) => join(root, 'packages', dir, 'src'));
const result = await madge(packages, {
  baseDir: join(root, 'packages'),
  fileExtensions: ['ts'],
  tsConfig: join(root, 'tsconfig.base.json'),
  excludeRegExp: [/node_modules/, /\/dist\//, /\/src\/generated\//],
  detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } },
});
const cycles = result.circular();
for (const cycle of cycles) console.error(`cycle: ${[...cycle, cycle[0]].join(' → ')}`);
console.log(`import cycles: ${Object.keys(result.obj()).length} modules checked, ${cycles.length} cycles`);
process.exit(cycles.length ? 1 : 0);
