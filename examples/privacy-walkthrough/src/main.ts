// A school writes to its pupils' guardians over WhatsApp through the gateway; then one guardian asks for everything
// the school's gateway holds about her (the right of access), and then for its erasure (the right to be forgotten).
//   1. the school sends fee reminders to two guardians (the demo's WhatsApp instance, on the fake Graph API);
//   2. Sita's subject access request: a streamed export, each piece with the table it came from;
//   3. Sita's erasure request: the receipt (counts per data class, no personal data), also kept in the audit;
//   4. access again: nothing left of Sita; Ram's data untouched.
// Start the demo first (`npm start`) and paste the RELAYKIT_URL, RELAYKIT_KEY and RELAYKIT_ADMIN_KEY line it prints
// (its admin key holds `admin:privacy`).
import { pathToFileURL } from 'node:url';

/** What the export says, per data class. */
export type Summary = Record<string, number>;

/** What one run did. */
export interface WalkthroughResult {
  access: Summary;
  sources: string[];
  receipt: { id: string; state: string; counts: Record<string, number> };
  afterErasure: Summary;
  otherGuardian: Summary;
}

const guardians = {
  sita: { phone: '9841000101', student: 'Aarav' },
  ram: { phone: '+977 985-1000102', student: 'Anjali' },
};

export async function main(
  options: { baseUrl?: string; apiKey?: string; adminKey?: string; log?: (line: string) => void } = {},
): Promise<WalkthroughResult> {
  const log = options.log ?? console.log;
  const baseUrl = options.baseUrl ?? process.env.RELAYKIT_URL ?? 'http://127.0.0.1:8080';
  const apiKey = options.apiKey ?? process.env.RELAYKIT_KEY;
  const adminKey = options.adminKey ?? process.env.RELAYKIT_ADMIN_KEY;
  if (!apiKey || !adminKey)
    throw new Error('Set RELAYKIT_KEY and RELAYKIT_ADMIN_KEY to the keys `npm start` prints (and RELAYKIT_URL)');
  const post = async (path: string, body: unknown, key: string) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'x-purpose': 'guardian request under the school privacy policy',
      },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, any>;
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${json.code}: ${json.detail}`);
    return json;
  };

  // 1. Fee reminders (templates may be sent outside the 24-hour window).
  for (const { phone, student } of Object.values(guardians)) {
    const job = await post(
      '/v1/wa-demo/sendTemplate?wait=10s',
      {
        to: phone,
        name: 'fee_reminder',
        language: 'ne',
        components: [{ type: 'body', parameters: [{ type: 'text', text: student }] }],
      },
      apiKey,
    );
    log(`fee reminder to the guardian of ${student}: job ${job.id} ${job.status}`);
  }

  const access = async (phone: string) => {
    const exported = await post('/v1/privacy/access', { phones: [phone] }, adminKey);
    return exported as { items: Array<{ source: { table: string } }>; summary: Summary };
  };
  // Delivery statuses come back on the webhook; wait until Sita's are recorded, so the export shows them too.
  const until = Date.now() + 15_000;
  let sita = await access(guardians.sita.phone);
  while (!sita.summary.webhookEvents && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    sita = await access(guardians.sita.phone);
  }

  // 2. The export.
  const sources = [...new Set(sita.items.map((i) => i.source.table))].sort();
  log(`access export for Sita: ${JSON.stringify(sita.summary)} from ${sources.join(', ')}`);

  // 3. Erasure, and its receipt.
  const receipt = (await post(
    '/v1/privacy/erasure',
    { phones: [guardians.sita.phone] },
    adminKey,
  )) as WalkthroughResult['receipt'];
  log(`erasure receipt ${receipt.id}: ${receipt.state} ${JSON.stringify(receipt.counts)}`);

  // 4. Nothing left of Sita; Ram is untouched.
  const after = await access(guardians.sita.phone);
  const ram = await access(guardians.ram.phone);
  log(`access export for Sita after erasure: ${JSON.stringify(after.summary)}`);
  log(`access export for Ram: ${JSON.stringify(ram.summary)}`);
  return { access: sita.summary, sources, receipt, afterErasure: after.summary, otherGuardian: ram.summary };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
