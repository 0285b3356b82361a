// One-off scaffold helper kept for adding packages consistently: writes package.json/tsconfig/tsup config.
import { writeFileSync, mkdirSync, existsSync } from 'node:fs';
const pkgs = [
  {
    dir: 'sdk-core',
    desc: 'Transport, resilience, rate limits, idempotency, checkpoints, incremental sync and the connector contract for relaykit.',
    entries: ['.', './testing'],
    deps: { undici: '^7.16.0', cockatiel: '3.2.1', zod: '^4.1.0', ioredis: '^5.8.0', pg: '^8.16.0' },
    peer: { '@opentelemetry/api': '^1.9.0' },
    peerMeta: { '@opentelemetry/api': { optional: true } },
  },
  {
    dir: 'testkit',
    private: true,
    desc: 'Throwaway real Redis and PostgreSQL servers for relaykit tests.',
    entries: ['.'],
    deps: { pg: '^8.16.0' },
  },
  {
    dir: 'connector-salesforce',
    desc: 'Salesforce REST, Composite, Bulk 2.0 connector for relaykit, with a faithful fake org.',
    entries: ['.', './testing'],
    deps: { '@relaykit/sdk-core': '0.0.0', zod: '^4.1.0', 'csv-parse': '^6.1.0', 'csv-stringify': '^6.6.0' },
  },
  {
    dir: 'connector-mahak',
    desc: 'Mahak accounting RowVersion sync connector for relaykit, with a PostgreSQL sink and a fake Mahak server.',
    entries: ['.', './testing'],
    deps: { '@relaykit/sdk-core': '0.0.0', zod: '^4.1.0', pg: '^8.16.0' },
  },
  {
    dir: 'connector-whatsapp',
    desc: 'WhatsApp Business Cloud API connector for relaykit: rate-limited sends, verified webhooks, a fake Graph API.',
    entries: ['.', './testing'],
    deps: { '@relaykit/sdk-core': '0.0.0', zod: '^4.1.0', 'libphonenumber-js': '^1.12.0' },
  },
  {
    dir: 'gateway',
    desc: 'A Koa gateway that loads relaykit connectors as plugins, with an OpenAPI 3.1 surface, durable jobs and webhooks.',
    entries: ['.'],
    bin: { relaykit: './dist/cli.js' },
    extraEntries: { cli: 'src/main.ts' },
    deps: { '@relaykit/sdk-core': '0.0.0', zod: '^4.1.0' },
  },
];
for (const p of pkgs) {
  const root = `packages/${p.dir}`;
  mkdirSync(`${root}/src`, { recursive: true });
  const exportsMap = {};
  const entry = {};
  for (const e of p.entries) {
    const name = e === '.' ? 'index' : `${e.slice(2)}/index`;
    entry[name] = e === '.' ? 'src/index.ts' : `src/${e.slice(2)}/index.ts`;
    exportsMap[e] = {
      import: { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` },
      require: { types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` },
    };
    if (e !== '.' && !existsSync(entry[name])) {
      mkdirSync(`${root}/src/${e.slice(2)}`, { recursive: true });
      writeFileSync(`${root}/${entry[name]}`, 'export {};\n');
    }
  }
  exportsMap['./package.json'] = './package.json';
  Object.assign(entry, p.extraEntries ?? {});
  const pkg = {
    name: `@relaykit/${p.dir}`,
    version: '0.0.0',
    description: p.desc,
    license: 'MIT',
    type: 'module',
    ...(p.private ? { private: true } : {}),
    sideEffects: false,
    engines: { node: '>=20.18.1' },
    main: './dist/index.cjs',
    module: './dist/index.js',
    types: './dist/index.d.ts',
    exports: exportsMap,
    ...(p.bin ? { bin: p.bin } : {}),
    files: ['dist', 'README.md'],
    scripts: { build: 'tsup' },
    dependencies: p.deps,
    ...(p.peer ? { peerDependencies: p.peer, peerDependenciesMeta: p.peerMeta } : {}),
    ...(p.private ? {} : { publishConfig: { access: 'public' } }),
  };
  if (!existsSync(`${root}/package.json`)) writeFileSync(`${root}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(
    `${root}/tsconfig.json`,
    `${JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src'], exclude: ['src/**/*.test.ts'] }, null, 2)}\n`,
  );
  writeFileSync(
    `${root}/tsup.config.ts`,
    `import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ${JSON.stringify(entry)},
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
});
`,
  );
  if (!existsSync(`${root}/src/index.ts`)) writeFileSync(`${root}/src/index.ts`, 'export {};\n');
}
