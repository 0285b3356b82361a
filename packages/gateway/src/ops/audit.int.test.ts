import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../test-support/ops/backends.js';
import type { TestGateway } from '../test-support/harness.js';

for (const backend of BACKENDS) {
  describe(`GET /v1/admin/audit on ${backend.name}`, () => {
    let t: TestGateway;
    let reader: string;
    let readerId: string;
    let keysAdmin: string;
    let prodReader: string;
    beforeAll(async () => {
      t = await backend.start();
      const made = await t.gateway.keys.create({ name: 'reader', environment: 'development', scopes: ['admin:read'] });
      reader = made.secret;
      readerId = made.key.id;
      keysAdmin = (await t.gateway.keys.create({ name: 'keys', environment: 'development', scopes: ['admin:keys'] }))
        .secret;
      prodReader = (await t.gateway.keys.create({ name: 'p', environment: 'production', scopes: ['admin:read'] }))
        .secret;
      // Calls of both environments, a denied one, and a payload holding personal data.
      expect((await t.call('POST', '/v1/echo-dev/put?wait=5s', { key: t.keys.dev, body: { key: 'a' } })).status).toBe(
        200,
      );
      expect((await t.call('POST', '/v1/echo-dev/fail', { key: t.keys.narrow, body: { key: 'a' } })).status).toBe(403);
      expect((await t.call('POST', '/v1/echo-prod/put', { key: t.keys.prod, body: { key: 'p' } })).status).toBe(202);
      const created = await t.call('POST', '/v1/admin/keys', {
        key: keysAdmin,
        body: { name: 'alice.smith@example.com', scopes: ['echo-dev:put'] },
      });
      expect(created.status).toBe(201);
    });
    afterAll(async () => {
      await t?.close();
    });

    const list = async (query: string, key = reader) => t.call('GET', `/v1/admin/audit${query}`, { key });

    it('needs admin:read: 401 without a key, 403 for "*" and for admin:keys alone', async () => {
      expect((await list('', '')).status).toBe(401);
      const wide = await list('', t.keys.dev);
      expect(wide).toMatchObject({ status: 403, body: { code: 'FORBIDDEN_SCOPE' } });
      expect((await list('', keysAdmin)).status).toBe(403);
    });

    it("shows the caller's environment only, with actor, outcome and a redacted payload", async () => {
      const res = await list('?limit=500');
      expect(res.status).toBe(200);
      const entries = res.body.entries as Array<Record<string, any>>;
      expect(entries.length).toBeGreaterThan(3);
      expect(new Set(entries.map((e) => e.environment))).toEqual(new Set(['development']));
      expect(entries.some((e) => e.path === '/v1/echo-prod/put')).toBe(false);
      const denied = entries.find((e) => e.path === '/v1/echo-dev/fail');
      expect(denied).toMatchObject({ status: 403, outcome: 'denied', actor: expect.stringMatching(/^key:/) });
      const create = entries.find((e) => e.operation === 'admin:keys.create');
      expect(create?.payload).toMatchObject({ scopes: ['echo-dev:put'] });
      expect(JSON.stringify(create?.payload)).not.toContain('alice.smith@example.com');
      // Newest first.
      const ids = entries.map((e) => BigInt(e.id));
      expect([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(ids);
      // The other environment's reader sees the production call and none of these.
      const prod = await list('?limit=500', prodReader);
      expect(prod.body.entries.some((e: any) => e.path === '/v1/echo-prod/put')).toBe(true);
      expect(prod.body.entries.every((e: any) => e.environment === 'production')).toBe(true);
    });

    it('filters by outcome, actor, key, operation (prefix), method, instance and time', async () => {
      const denied = await list('?outcome=denied');
      expect(denied.body.entries.length).toBeGreaterThan(0);
      expect(denied.body.entries.every((e: any) => e.status === 401 || e.status === 403)).toBe(true);
      const mine = await list(`?actor=key:${readerId}`);
      expect(mine.body.entries.length).toBeGreaterThan(0);
      expect(mine.body.entries.every((e: any) => e.actor === `key:${readerId}`)).toBe(true);
      const byKey = await list(`?keyId=${readerId}`);
      // The same rows, plus the audit row of the `actor` query itself.
      expect(byKey.body.entries.slice(1).map((e: any) => e.id)).toEqual(mine.body.entries.map((e: any) => e.id));
      const admin = await list('?operation=admin:keys.*');
      expect(admin.body.entries.length).toBeGreaterThan(0);
      expect(admin.body.entries.every((e: any) => String(e.operation).startsWith('admin:keys.'))).toBe(true);
      const posts = await list('?method=POST&instance=echo-dev');
      expect(posts.body.entries.every((e: any) => e.method === 'POST' && e.instance === 'echo-dev')).toBe(true);
      const future = await list(`?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
      expect(future.body.entries).toEqual([]);
      const past = await list(`?to=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`);
      expect(past.body).toEqual({ entries: [], nextCursor: null });
    });

    it('pages by cursor while rows are inserted: no entry seen twice or skipped', async () => {
      // Enough rows for several pages.
      for (let i = 0; i < 12; i++) await t.call('GET', '/v1/jobs/none', { key: t.keys.dev });
      const seen: string[] = [];
      let cursor: string | null = null;
      let top: bigint | undefined;
      let pages = 0;
      do {
        const res = await list(`?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        const ids = (res.body.entries as Array<{ id: string }>).map((e) => e.id);
        top ??= BigInt(ids[0]!);
        seen.push(...ids);
        cursor = res.body.nextCursor;
        pages++;
        // Rows written between pages (each list call is audited too, and these calls add more).
        await t.call('GET', '/v1/jobs/none', { key: t.keys.dev });
        await t.gateway.audit.flush();
      } while (cursor);
      expect(pages).toBeGreaterThan(3);
      expect(new Set(seen).size).toBe(seen.length);
      // Exactly the development rows that existed when the first page was read, in order.
      const all = (await t.gateway.audit.recent(100_000))
        .filter((e) => e.environment === 'development' && BigInt(e.id) <= top!)
        .map((e) => e.id);
      expect(seen).toEqual(all);
    });

    it('refuses hostile and malformed queries with 400, never 500', async () => {
      const bad = [
        '?cursor=nope',
        `?cursor=${Buffer.from('a1:-5').toString('base64url')}`,
        `?cursor=${Buffer.from('a1:99999999999999999999').toString('base64url')}`,
        '?cursor=%00',
        '?actor=key:%00x',
        '?operation=%00',
        '?limit=abc',
        '?limit=0',
        '?limit=100000',
        '?from=yesterday',
        '?from=99999-01-01T00:00:00Z',
        '?from=0001-01-01T00:00:00Z',
        '?outcome=maybe',
        '?outcome=success&outcome=denied',
        '?method=TRACE',
        '?unknown=1',
        `?instance=${'x'.repeat(5000)}`,
      ];
      for (const query of bad) {
        const res = await list(query);
        expect(res.status, query).toBe(400);
        expect(res.body.code, query).toBe('VALIDATION');
      }
    });

    it('exports CSV and NDJSON streamed in batches, with the filters, headers and formula escaping', async () => {
      // More rows than one export batch (500).
      for (let i = 0; i < 650; i++)
        await t.gateway.audit.record({
          requestId: `bulk-${i}`,
          apiKeyId: null,
          environment: 'development',
          method: 'POST',
          path: '/v1/echo-dev/put',
          instance: 'echo-dev',
          operation: i === 0 ? '=HYPERLINK("http://evil")' : 'bulk',
          jobId: null,
          status: 202,
          durationMs: 1,
          payload: { phone: '+989121234567', n: i },
        });
      await t.gateway.audit.flush();
      const expected = (await list('?limit=500&method=POST&instance=echo-dev')).body;
      const csv = await fetch(`${t.url}/v1/admin/audit/export?format=csv&method=POST&instance=echo-dev`, {
        headers: { authorization: `Bearer ${reader}` },
      });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toMatch(
        /^attachment; filename="relaykit-audit-development-.+\.csv"$/,
      );
      const text = await csv.text();
      const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
      expect(rows.length).toBeGreaterThan(650);
      expect(rows.slice(0, 500).map((r) => r.id)).toEqual(expected.entries.map((e: any) => e.id));
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
      expect(text).not.toContain('+989121234567');
      const formula = rows.find((r) => r.operation?.includes('HYPERLINK'));
      expect(formula?.operation?.startsWith("'=")).toBe(true);

      const nd = await fetch(`${t.url}/v1/admin/audit/export?format=ndjson&method=POST&instance=echo-dev`, {
        headers: { authorization: `Bearer ${reader}` },
      });
      expect(nd.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      expect(nd.headers.get('content-disposition')).toMatch(/\.ndjson"$/);
      const lines = (await nd.text()).trimEnd().split('\n');
      const parsed = lines.map((l) => JSON.parse(l));
      expect(parsed.map((e) => e.id)).toEqual(rows.map((r) => r.id));
      expect(parsed.every((e) => e.environment === 'development')).toBe(true);

      expect((await t.call('GET', '/v1/admin/audit/export?format=xml', { key: reader })).status).toBe(400);
      expect((await t.call('GET', '/v1/admin/audit/export', { key: t.keys.dev })).status).toBe(403);
      const empty = await fetch(`${t.url}/v1/admin/audit/export?format=csv&outcome=failed&method=DELETE`, {
        headers: { authorization: `Bearer ${reader}` },
      });
      expect(empty.status).toBe(200);
      expect((await empty.text()).trim().split('\n')).toHaveLength(1); // the header row
    });
  });
}
