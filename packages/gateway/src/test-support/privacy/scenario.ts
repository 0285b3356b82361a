// Test support: the privacy scenarios, run on PGlite (privacy.test.ts) and on PostgreSQL (privacy.int.test.ts).
import { randomBytes } from 'node:crypto';
import { mahakConnector } from '@relaykit/connector-mahak';
import { startFakeMahak, type FakeMahak } from '@relaykit/connector-mahak/testing';
import { signWebhookBody, whatsappConnector } from '@relaykit/connector-whatsapp';
import { buildNotification, statusPayload } from '@relaykit/connector-whatsapp/testing';
import type { GatewayConfigInput } from '../../config/index.js';
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

const WA_SECRET = 'wa-app-secret-for-privacy-tests';

/**
 * A gateway over the school connector with the privacy area on, and a key holding `admin:privacy`; beside it the
 * real WhatsApp (`wa`: delivery statuses in the gateway's database) and Mahak (`mahak`: synced rows in the gateway's
 * database, against a fake Mahak) connectors, which keep personal data of their own.
 */
export async function startPrivacyGateway(
  overrides: Partial<GatewayConfigInput> = {},
): Promise<TestGateway & { dpo: string; mahak: FakeMahak }> {
  const mahak = await startFakeMahak();
  const t = await startTestGateway(
    {
      instances: {
        school: {
          connector: 'school',
          environment: 'development',
          retry: { attempts: 2, delay: '20ms', maxDelay: '50ms' },
        },
        wa: {
          connector: 'whatsapp',
          environment: 'development',
          config: {
            phoneNumberId: '106540352242922',
            accessToken: 'test-token',
            appSecret: WA_SECRET,
            verifyToken: 'verify',
            baseUrl: 'http://127.0.0.1:9',
            defaultRegion: 'NP',
          },
        },
        mahak: {
          connector: 'mahak',
          environment: 'development',
          config: { baseUrl: mahak.url, userName: 'demo', password: 'demo-password', databaseId: '1' },
          timeout: '30s',
        },
      },
      privacy: { indexKey: randomBytes(32).toString('base64'), defaultRegion: 'NP' },
      ...overrides,
    },
    {
      connectors: { school: schoolConnector, echo: echoConnector, whatsapp: whatsappConnector, mahak: mahakConnector },
    },
  );
  const dpo = (await t.gateway.keys.create({ name: 'dpo', environment: 'development', scopes: ['admin:privacy'] }))
    .secret;
  const close = t.close.bind(t);
  return Object.assign(t, {
    dpo,
    mahak,
    close: async () => {
      await close();
      await mahak.close();
    },
  });
}

/** Posts a signed WhatsApp delivery status of a message to `recipient` (digits) and waits for it to be handled. */
export async function whatsAppStatus(t: TestGateway, messageId: string, recipient: string): Promise<string[]> {
  const raw = JSON.stringify(
    buildNotification(
      { wabaId: '102290129340398', phoneNumberId: '106540352242922', displayPhoneNumber: '15550783881' },
      { statuses: [statusPayload(messageId, 'delivered', recipient)] },
    ),
  );
  const res = await t.call('POST', '/v1/webhooks/wa/messages', {
    raw,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(raw, WA_SECRET) },
  });
  if (res.status !== 200) throw new Error(`webhook failed: ${res.status} ${JSON.stringify(res.body)}`);
  for (const id of res.body.jobs as string[]) await waitFinal(t, id);
  return res.body.jobs as string[];
}

/**
 * Gives the fake Mahak a person for `who` (their phone written locally, as shops do), an order of theirs whose
 * description names them, and, with `broken`, a record of theirs a sync cannot store (a dead letter); then syncs it
 * into the gateway's database through a job.
 */
export async function mahakPerson(
  t: TestGateway & { mahak: FakeMahak },
  who: { phone?: string; email?: string; name?: string },
  options: { broken?: boolean } = {},
): Promise<number> {
  const [first, ...last] = (who.name ?? '').split(' ');
  const id = t.mahak.insert('Person', {
    FirstName: first ?? null,
    LastName: last.join(' ') || null,
    Mobile: who.phone ? `0${who.phone.replace(/\D/g, '').slice(-10)}` : null,
    Email: who.email ?? null,
  });
  t.mahak.insert('Order', { PersonId: id, Description: `Uniform for ${who.name ?? 'a pupil'}` });
  // A credit that is no number: the sync dead-letters the record (raw, as received) and goes on.
  if (options.broken)
    t.mahak.insert('Person', {
      FirstName: first ?? null,
      Mobile: who.phone ?? null,
      Email: who.email ?? null,
      Credit: 'a lot',
    });
  const res = await t.call('POST', '/v1/mahak/syncAll', {
    key: t.keys.dev,
    body: { entities: ['Person', 'Order'] },
  });
  if (res.status !== 202) throw new Error(`sync failed: ${res.status} ${JSON.stringify(res.body)}`);
  const job = await waitFinal(t, res.body.id, t.keys.dev, 60_000);
  if ((job as { status?: string }).status !== 'succeeded') throw new Error(`sync job ${JSON.stringify(job)}`);
  return id;
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
