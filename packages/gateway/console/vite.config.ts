import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'dist', 'console');

/** Copies Scalar's standalone API reference bundle next to the console (served at /docs; no CDN). */
function scalarStandalone(): Plugin {
  return {
    name: 'relaykit-scalar-standalone',
    apply: 'build',
    closeBundle() {
      const require = createRequire(import.meta.url);
      const main = require.resolve('@scalar/api-reference');
      const bundle = join(dirname(main), 'browser', 'standalone.js');
      mkdirSync(join(outDir, 'docs'), { recursive: true });
      copyFileSync(bundle, join(outDir, 'docs', 'scalar.js'));
    },
  };
}

// The console: Preact views, uPlot charts, bundled into the gateway package's dist/console (served at /console).
export default defineConfig({
  root: here,
  base: '/console/',
  publicDir: join(here, 'public'),
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 200,
  },
  plugins: [scalarStandalone()],
});
