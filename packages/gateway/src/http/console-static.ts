import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { problem } from '../errors/index.js';
import { DOCS_CSP, renderDocs, renderProblemDocs, STATIC_PAGE_CSP } from './docs.js';

/** The console's CSP: its own scripts, styles and API only; no inline code, no framing. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Where the built console is: `dist/console` of the gateway package, found from this module whether it runs from the
 * sources (`src/http`) or the build (`dist`). Undefined when the console was not built.
 */
export function consoleAssetsDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, 'console'),
    join(here, '..', 'dist', 'console'),
    join(here, '..', '..', 'dist', 'console'),
  ])
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  return undefined;
}

type Asset = { body: Buffer; etag: string; type: string };

/** Reads (once) and serves the built console's files with their types, ETags and cache rules. */
class AssetServer {
  private readonly cache = new Map<string, Promise<Asset | undefined>>();
  constructor(readonly root: string) {}

  private load(relative: string): Promise<Asset | undefined> {
    let asset = this.cache.get(relative);
    if (!asset) {
      asset = this.read(relative);
      this.cache.set(relative, asset);
    }
    return asset;
  }

  private async read(relative: string): Promise<Asset | undefined> {
    const file = resolve(this.root, relative);
    // Never outside the console's folder, whatever the path says.
    if (!file.startsWith(this.root + sep)) return undefined;
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const body = await readFile(file);
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  }

  /** Serves `relative`; false when there is no such file. */
  async serve(ctx: Context, relative: string, cacheControl: string, csp?: string): Promise<boolean> {
    if (relative.includes('\0') || relative.split('/').some((part) => part === '..')) return false;
    const asset = await this.load(relative);
    if (!asset) return false;
    ctx.set('Cache-Control', cacheControl);
    ctx.set('ETag', asset.etag);
    if (csp) ctx.set('Content-Security-Policy', csp);
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    if (ctx.get('if-none-match') === asset.etag) {
      ctx.status = 304;
      return true;
    }
    ctx.type = asset.type;
    ctx.body = asset.body;
    return true;
  }
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
// Unhashed files are revalidated on every use (cheap: a 304 with the ETag).
const REVALIDATE = 'no-cache';

/**
 * `/console` (the web console: hashed assets cached for a year, `index.html` revalidated, every unknown path answered
 * with the app so deep links work), `/docs` (the API reference: Scalar's standalone bundle with try-it against this
 * gateway), `/docs/problems` (the problem codes) and `GET /` → `/console`. Works without the build: `/docs` then says
 * how to build it and `/console` answers 404 saying the same.
 */
export function registerConsoleRoutes(
  router: Router,
  options: { title: string; assetsDir?: string | undefined },
): void {
  const dir = options.assetsDir ?? consoleAssetsDir();
  const assets = dir && existsSync(join(dir, 'index.html')) ? new AssetServer(resolve(dir)) : undefined;
  const notBuilt = () =>
    problem(
      'NOT_FOUND',
      'The console is not built in this installation: run `npm run build` (it bundles the console).',
    );

  router.get('/', (ctx) => ctx.redirect('/console/'));
  const app = async (ctx: Context) => {
    // Relative asset paths need the trailing slash (the router matches /console and /console/ alike).
    if (ctx.path === '/console') return ctx.redirect('/console/');
    if (!assets) throw notBuilt();
    const raw = (ctx.params as { path?: string | string[] }).path ?? '';
    const path = Array.isArray(raw) ? raw.join('/') : raw;
    if (path.startsWith('assets/') && (await assets.serve(ctx, path, IMMUTABLE, CONSOLE_CSP))) return;
    if (path.startsWith('assets/') || path.startsWith('docs/')) throw problem('NOT_FOUND', `No file /console/${path}.`);
    await assets.serve(ctx, 'index.html', REVALIDATE, CONSOLE_CSP);
  };
  router.get('/console', app);
  router.get('/console/{*path}', app);

  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', REVALIDATE);
    ctx.set('Content-Security-Policy', assets ? DOCS_CSP : STATIC_PAGE_CSP);
    ctx.set('X-Frame-Options', 'DENY');
    ctx.body = renderDocs(options.title, Boolean(assets));
  });
  router.get('/docs/problems', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Content-Security-Policy', STATIC_PAGE_CSP);
    ctx.body = renderProblemDocs(options.title);
  });
  for (const file of ['scalar.js', 'init.js'])
    router.get(`/docs/${file}`, async (ctx) => {
      if (!assets || !(await assets.serve(ctx, `docs/${file}`, REVALIDATE, DOCS_CSP))) throw notBuilt();
    });
}
