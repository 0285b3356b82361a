// Test support: the privacy scenarios' subjects, jobs, replies and dumps, shared by the gateway's privacy tests and
// the repository's e2e/privacy (which adds the real connectors).
import { randomBytes } from 'node:crypto';
import type { GatewayConfigInput } from '../../config/index.js';
import type { GatewayOptions } from '../../gateway.js';
import { schoolConnector } from '../school.js';
import { echoConnector, signEcho } from '../echo.js';
import { startTestGateway, waitFinal, type TestGateway } from '../harness.js';

/** A household: two guardians share one phone; a third family has its own. */
export const people = {
  household: '+977 984-1234567',
  alice: { email: 'Alice.Gurung@example.org', name: 'Alice Gurung', id: 'G-1001' },
  bob: { email: 'bob.gurung@example.org', name: 'Bobby Gurungsson', id: 'G-1002' },
  carol: { phone: '9851112233', email: 'carol.thapa@example.org', name: 'Carol Thapaliya', id: 'G-2001' },
};

/** The school connector's instance the privacy scenarios submit to (`/v1/school/...`). */
export const schoolInstance = {
  connector: 'school',
  environment: 'development',
  retry: { attempts: 2, delay: '20ms', maxDelay: '50ms' },
};

/**
 * A gateway over the school connector with the privacy area on, and a key holding `admin:privacy`. The gateway's
 * own tests know no real connector: the scenarios with the WhatsApp and Mahak connectors' own data live in the
 * repository's `e2e/privacy`, which passes them in as `connectors` and `instances`.
 */
export async function startPrivacyGateway(
  overrides: Partial<GatewayConfigInput> = {},
  options: Pick<Partial<GatewayOptions>, 'connectors'> = {},
): Promise<TestGateway & { dpo: string }> {
  const t = await startTestGateway(
    {
      instances: { school: schoolInstance },
      privacy: { indexKey: randomBytes(32).toString('base64'), defaultRegion: 'NP' },
      ...overrides,
    },
    { connectors: { school: schoolConnector, echo: echoConnector, ...options.connectors } },
  );
  const dpo = (await t.gateway.keys.create({ name: 'dpo', environment: 'development', scopes: ['admin:privacy'] }))
    .secret;
  return Object.assign(t, { dpo });
}

/** Submits a message job and waits for it to end; returns its id. */
export async function message(
  t: TestGateway,
  input: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await t.call('POST', '/v1/school/message', { key: t.keys.dev, body: input, headers });
  if (res.status !== 202) throw new Error(`submit failed: ${res.status} ${JSON.stringify(res.body)}`);
  await waitFinal(t, res.body.id);
  return res.body.id as string;
}

/** Posts a signed reply webhook from `from`. */
export async function reply(t: TestGateway, id: string, from: string, text: string, profileName?: string) {
  const raw = JSON.stringify({ events: [{ id, from, text, ...(profileName ? { profileName } : {}) }] });
  const res = await t.call('POST', '/v1/webhooks/school/replies', {
    raw,
    headers: { 'content-type': 'application/json', 'x-signature': signEcho(raw) },
  });
  if (res.status !== 200) throw new Error(`webhook failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.jobs[0] as string;
}

/** Every spelling of `value` a dump could hold it in: plain, JSON-escaped, base64, hex, URL-encoded. */
export function encodings(value: string): string[] {
  const forms = new Set<string>([value, value.toLowerCase()]);
  for (const v of [...forms]) {
    forms.add(JSON.stringify(v).slice(1, -1));
    forms.add(Buffer.from(v).toString('base64').replace(/=+$/, ''));
    forms.add(Buffer.from(v).toString('base64url'));
    forms.add(Buffer.from(v).toString('hex'));
    forms.add(encodeURIComponent(v));
    forms.add(escape(v));
  }
  return [...forms].filter((f) => f.length >= 6);
}

/** The forms of a subject's phone, e-mail and name a dump must not contain (digits only for phones, too). */
export function traces(subject: { phone?: string; email?: string; name?: string }): string[] {
  const values = [subject.email, subject.name, ...(subject.name?.split(' ').filter((w) => w.length >= 6) ?? [])];
  if (subject.phone) {
    const digits = subject.phone.replace(/\D/g, '');
    values.push(subject.phone, digits, `977${digits}`, `+977${digits}`);
  }
  return values.filter((v): v is string => Boolean(v)).flatMap(encodings);
}

/** A logical dump of every table of the gateway's schema, one JSON row per line (PGlite has no pg_dump binary). */
export async function sqlDump(t: TestGateway): Promise<string> {
  await t.gateway.audit.flush();
  const { rows: tables } = await t.gateway.sql.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  const out: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await t.gateway.sql.query<{ row: string }>(
      `SELECT to_jsonb(t)::text AS row FROM "${table_name}" t`,
    );
    for (const r of rows) out.push(`${table_name}\t${r.row}`);
  }
  return out.join('\n');
}
