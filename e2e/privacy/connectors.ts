// The privacy scenarios with the real WhatsApp and Mahak connectors beside the gateway's school connector: what a
// deployment that installs them holds of a subject (delivery statuses, synced rows, sync dead letters).
import { randomBytes } from 'node:crypto';
import { mahakConnector } from '@relaykit/connector-mahak';
import { startFakeMahak, type FakeMahak } from '@relaykit/connector-mahak/testing';
import { signWebhookBody, whatsappConnector } from '@relaykit/connector-whatsapp';
import { buildNotification, statusPayload } from '@relaykit/connector-whatsapp/testing';
import type { GatewayConfigInput } from '../../packages/gateway/src/config/index.js';
import { type TestGateway, waitFinal } from '../../packages/gateway/src/test-support/harness.js';
import { schoolInstance, startPrivacyGateway } from '../../packages/gateway/src/test-support/privacy/scenario.js';

/** The connectors the scenarios install, by the names their instances use. */
export const realConnectors = { whatsapp: whatsappConnector, mahak: mahakConnector };

const WA_SECRET = 'wa-app-secret-for-privacy-tests';

/**
 * The privacy gateway with, beside the school connector, the real WhatsApp (`wa`: delivery statuses in the gateway's
 * database) and Mahak (`mahak`: synced rows in the gateway's database, against a fake Mahak) connectors, which keep
 * personal data of their own.
 */
export async function startConnectorsPrivacyGateway(
  overrides: Partial<GatewayConfigInput> = {},
): Promise<TestGateway & { dpo: string; mahak: FakeMahak }> {
  const mahak = await startFakeMahak();
  const t = await startPrivacyGateway(
    {
      instances: {
        school: schoolInstance,
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
    { connectors: realConnectors },
  );
  const close = t.close.bind(t);
  return Object.assign(t, {
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
