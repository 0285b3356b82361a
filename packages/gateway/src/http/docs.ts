import { PROBLEM_CODES } from '../errors/index.js';

const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

type Doc = {
  info?: { title?: string; description?: string; version?: string };
  paths?: Record<string, Record<string, Record<string, unknown>>>;
  components?: { schemas?: Record<string, unknown> };
};

function resolveRef(doc: Doc, schema: unknown): unknown {
  const ref = (schema as { $ref?: string } | undefined)?.$ref;
  if (!ref?.startsWith('#/components/schemas/')) return schema;
  return doc.components?.schemas?.[ref.slice('#/components/schemas/'.length)] ?? schema;
}

const json = (value: unknown) => `<pre><code>${esc(JSON.stringify(value, null, 2))}</code></pre>`;

/**
 * A self-contained HTML rendering of the OpenAPI document (no scripts, no CDN: the page must work
 * on a closed network). Every problem code has an anchor that problem `type` URIs point at.
 */
export function renderDocs(openapi: Record<string, unknown>): string {
  const doc = openapi as Doc;
  const sections: string[] = [];
  const nav: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const id = esc(`op-${String(op.operationId ?? `${method}-${path}`)}`);
      nav.push(`<li><a href="#${id}"><span class="m ${method}">${method.toUpperCase()}</span> ${esc(path)}</a></li>`);
      const params =
        (op.parameters as Array<{ name: string; in: string; description?: string; required?: boolean }> | undefined) ??
        [];
      const body = (op.requestBody as { content?: Record<string, { schema?: unknown; example?: unknown }> } | undefined)
        ?.content?.['application/json'];
      const responses = Object.entries(
        (op.responses as Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>) ??
          {},
      );
      const secured = Array.isArray(op.security) && (op.security as unknown[]).length > 0;
      const curl =
        method === 'post' && body
          ? `curl -X POST "$RELAYKIT_URL${path}" -H "Authorization: Bearer $RELAYKIT_KEY" -H "Content-Type: application/json" -H 'Idempotency-Key: "'$(uuidgen)'"' -d '${JSON.stringify(body.example ?? {})}'`
          : `curl "$RELAYKIT_URL${path}"${secured ? ' -H "Authorization: Bearer $RELAYKIT_KEY"' : ''}`;
      sections.push(`<section id="${id}">
<h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3>
<p><strong>${esc(op.summary)}</strong></p><p>${esc(op.description ?? '')}</p>
${secured ? '<p class="note">Requires an API key (<code>Authorization: Bearer …</code>).</p>' : ''}
${params.length ? `<h4>Parameters</h4><ul>${params.map((p) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ', required' : ''}) — ${esc(p.description ?? '')}</li>`).join('')}</ul>` : ''}
${body ? `<h4>Request body</h4>${json(resolveRef(doc, body.schema))}${body.example !== undefined ? `<h4>Example</h4>${json(body.example)}` : ''}` : ''}
<h4>Responses</h4><ul>${responses.map(([status, r]) => `<li><code>${esc(status)}</code> ${esc(r.description)}${r.content ? ` — <em>${esc(Object.keys(r.content).join(', '))}</em>` : ''}</li>`).join('')}</ul>
<h4>Try it</h4><pre><code>${esc(curl)}</code></pre>
</section>`);
    }
  }
  const problems = Object.entries(PROBLEM_CODES)
    .map(
      ([code, p]) =>
        `<tr id="problem-${esc(code)}"><td><code>${esc(code)}</code></td><td>${p.status}</td><td>${esc(p.title)}</td><td>${esc(p.explanation)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info?.title)} — API docs</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex;color:#1d2330}
nav{width:320px;min-width:320px;height:100vh;overflow:auto;position:sticky;top:0;background:#f4f6fa;border-right:1px solid #dde2ea;padding:12px}
nav ul{list-style:none;padding:0;margin:0}nav li{margin:2px 0;font-size:13px}nav a{text-decoration:none;color:inherit}
main{padding:24px 40px;max-width:960px}section{border-bottom:1px solid #e6e9ef;padding:12px 0}
pre{background:#0f1420;color:#e6edf3;padding:12px;border-radius:6px;overflow:auto;font-size:12.5px}
.m{display:inline-block;min-width:46px;text-align:center;font-size:11px;font-weight:700;border-radius:4px;padding:1px 4px;color:#fff}
.get{background:#2f7d32}.post{background:#1565c0}.note{color:#6b4f00;background:#fff7e0;padding:4px 8px;border-radius:4px}
table{border-collapse:collapse}td,th{border:1px solid #dde2ea;padding:4px 8px;text-align:left;vertical-align:top}tr:target{background:#fff3c4}
</style></head><body>
<nav><strong>${esc(doc.info?.title)}</strong> <small>${esc(doc.info?.version)}</small><ul>${nav.join('')}<li><a href="#problems">Problem codes</a></li><li><a href="/openapi.json">openapi.json</a></li></ul></nav>
<main><h1>${esc(doc.info?.title)}</h1><p>${esc(doc.info?.description)}</p>
<p>Set <code>RELAYKIT_URL</code> and <code>RELAYKIT_KEY</code> to paste the examples. <code>Idempotency-Key</code> follows the IETF httpapi draft (an Internet-Draft, not an RFC): replays for 24 h, 409 while in flight, 422 on reuse with another body.</p>
${sections.join('\n')}
<section id="problems"><h2>Problem codes</h2><p>Errors are <code>application/problem+json</code> (RFC 9457); <code>type</code> points here.</p>
<table><tr><th>code</th><th>status</th><th>title</th><th>meaning</th></tr>${problems}</table></section>
</main></body></html>`;
}
