import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import { silentLogger } from '@relaykit/sdk-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, registerConsoleRoutes } from './console-static.js';
import { problemMiddleware } from './problem.js';

async function serve(assetsDir: string | undefined) {
  const app = new Koa();
  app.use(problemMiddleware(silentLogger));
  const router = new Router();
  registerConsoleRoutes(router, { title: 'test gateway', assetsDir });
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('the console and API reference, served from the package', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  let bare: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rk-console-'));
    await mkdir(join(dir, 'assets'));
    await mkdir(join(dir, 'docs'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dir, 'assets', 'index-abc123.css'), 'body{}');
    await writeFile(join(dir, 'docs', 'scalar.js'), '/* scalar */');
    await writeFile(join(dir, 'docs', 'init.js'), '/* init */');
    await writeFile(join(dir, '..', 'secret.txt'), 'not for you');
    s = await serve(dir);
    bare = await serve(join(dir, 'nothing-here'));
  });
  afterAll(() => {
    s?.close();
    bare?.close();
  });

  it('sends / and /console to /console/, which serves the app with a strict CSP and revalidation', async () => {
    for (const path of ['/', '/console']) {
      const res = await fetch(`${s.url}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/console/');
    }
    const res = await fetch(`${s.url}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).not.toContain('unsafe');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    // A deep link is the app too.
    expect(await (await fetch(`${s.url}/console/jobs/whatever`)).text()).toContain('<title>console</title>');
  });

  it('caches hashed assets for a year with their types, and answers 304 to a matching ETag', async () => {
    const js = await fetch(`${s.url}/console/assets/index-abc123.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${s.url}/console/assets/index-abc123.css`)).headers.get('content-type')).toBe(
      'text/css; charset=utf-8',
    );
    const again = await fetch(`${s.url}/console/assets/index-abc123.js`, {
      headers: { 'if-none-match': js.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    expect((await fetch(`${s.url}/console/assets/missing.js`)).status).toBe(404);
  });

  it('never serves a file outside its folder', async () => {
    for (const path of [
      '/console/../secret.txt',
      '/console/assets/..%2f..%2fsecret.txt',
      '/console/%2e%2e/secret.txt',
    ]) {
      const res = await fetch(`${s.url}${path}`);
      expect(await res.text(), path).not.toContain('not for you');
    }
  });

  it('serves the API reference with Scalar from the package (no CDN) and the problem codes page', async () => {
    const docs = await fetch(`${s.url}/docs`);
    const html = await docs.text();
    expect(html).toContain('<script src="/docs/scalar.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
    expect(docs.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    expect((await fetch(`${s.url}/docs/scalar.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const problems = await (await fetch(`${s.url}/docs/problems`)).text();
    expect(problems).toContain('id="problem-VALIDATION"');
    expect(problems).toContain('id="problem-CSRF_TOKEN_INVALID"');
    expect(problems).not.toContain('<script');
  });

  it('says how to build it when the console was not built', async () => {
    const res = await fetch(`${bare.url}/console/`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toContain('npm run build');
    const docs = await (await fetch(`${bare.url}/docs`)).text();
    expect(docs).toContain('/openapi.json');
    expect(docs).not.toContain('<script');
  });
});
