import { PROBLEM_CODES } from '../errors/index.js';

const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const PAGE_STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:24px;color:#1d2330}
table{border-collapse:collapse}td,th{border:1px solid #dde2ea;padding:4px 8px;text-align:left;vertical-align:top}
tr:target{background:#fff3c4}code{font-size:13px}`;

/** Security headers of the API reference: Scalar injects its styles, so inline styles are allowed there (no scripts). */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A static page's CSP: its one `<style>` block is allowed by hash-free `unsafe-inline`, and nothing runs. */
export const STATIC_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The API reference page: Scalar's standalone bundle, served by the gateway from its package (no CDN, no fonts from
 * outside), reading `/openapi.json`, with try-it against this gateway. `bundled` false (the console was not built):
 * a plain page pointing at the document and the problem codes.
 */
export function renderDocs(title: string, bundled: boolean): string {
  if (!bundled)
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — API docs</title><style>${PAGE_STYLE}</style></head><body>
<h1>${esc(title)}</h1>
<p>The interactive API reference is bundled by <code>npm run build</code> (it was not built in this installation).
Meanwhile: the <a href="/openapi.json">OpenAPI document</a> and the <a href="/docs/problems">problem codes</a>.</p>
</body></html>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — API reference</title></head>
<body><div id="app"></div><script src="/docs/scalar.js"></script><script src="/docs/init.js"></script></body></html>`;
}

/**
 * Every problem code with its status and meaning: the page problem `type` URIs (`/docs#problem-<code>`) lead to
 * (the reference page forwards such anchors here). Static HTML, no scripts.
 */
export function renderProblemDocs(title: string): string {
  const rows = Object.entries(PROBLEM_CODES)
    .map(
      ([code, p]) =>
        `<tr id="problem-${esc(code)}"><td><code>${esc(code)}</code></td><td>${p.status}</td><td>${esc(p.title)}</td><td>${esc(p.explanation)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} — problem codes</title><style>${PAGE_STYLE}</style></head><body>
<h1>Problem codes</h1>
<p>Errors are <code>application/problem+json</code> (RFC 9457) with a stable <code>code</code>; their <code>type</code> points here.
Back to the <a href="/docs">API reference</a>.</p>
<table><tr><th>code</th><th>status</th><th>title</th><th>meaning</th></tr>${rows}</table>
</body></html>`;
}
