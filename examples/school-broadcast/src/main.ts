// A school sends a bilingual notice to the parents of Class 5 over WhatsApp (through the fake
// Graph API), receives the status webhooks on its own verified endpoint, and prints a delivery report.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  WhatsAppSender,
  assessPhoneNumber,
  broadcastTemplate,
  createMemoryStatusTracker,
  createWebhookHandler,
  isQuietTime,
  nextAllowedTime,
  nodeWebhookListener,
  param,
  zonedParts,
  type QuietHours,
} from '@relaykit/connector-whatsapp';
import { startFakeGraph } from '@relaykit/connector-whatsapp/testing';

/** A parent of a Class 5 student, as the school's records hold them. */
interface Parent {
  name: string;
  student: string;
  phone: string;
  language: 'en_US' | 'ne';
}

const CLASS_5: Parent[] = [
  { name: 'Sita Sharma', student: 'Aarav', phone: '9841000101', language: 'ne' },
  { name: 'Ram Thapa', student: 'Anjali', phone: '+977 9851000102', language: 'ne' },
  { name: 'Maya Gurung', student: 'Bikash', phone: '9801000103', language: 'en_US' },
  { name: 'Hari Karki', student: 'Chandni', phone: '98-6100-0104', language: 'ne' },
  { name: 'Gita Rai', student: 'Dipesh', phone: '9741000105', language: 'en_US' },
  { name: 'Bishnu Magar', student: 'Elina', phone: '98410001', language: 'ne' }, // a typo in the records
  { name: 'Kamala Shrestha', student: 'Gaurav', phone: '9861000107', language: 'ne' }, // phone switched off: fails
];

/** One line of the delivery report. */
export interface ReportLine {
  parent: string;
  student: string;
  language: string;
  status: string;
}

/** Runs the example; returns the report lines (and prints them through `log`). */
export async function main(
  options: { log?: (line: string) => void; respectQuietHours?: boolean } = {},
): Promise<ReportLine[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const appSecret = 'example-app-secret';
  const timeZone = 'Asia/Kathmandu';
  const quietHours: QuietHours = { start: '21:00', end: '06:00', timeZone };

  // 1. The school's webhook receiver: verifies signatures over raw bytes, dedupes, tracks statuses.
  const tracker = createMemoryStatusTracker();
  const webhook = createWebhookHandler({ appSecret, verifyToken: 'school-verify', tracker });
  const receiver = createServer(nodeWebhookListener(webhook));
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/whatsapp`;

  // 2. The fake Cloud API, with the school's approved templates in English and Nepali. Statuses
  //    come back out of order and duplicated, as Meta's sometimes do.
  const fake = await startFakeGraph({
    throughputPerSecond: 80,
    templates: [
      { name: 'class_notice', language: 'en_US', bodyParameters: ['parent', 'student', 'date'] },
      { name: 'class_notice', language: 'ne', bodyParameters: ['parent', 'student', 'date'] },
    ],
    undeliverable: ['9779861000107'],
    webhook: { url: webhookUrl, appSecret, reorder: true, duplicates: 1, stepMs: 10 },
  });

  const sender = new WhatsAppSender({
    phoneNumberId: '106540352242922',
    accessToken: fake.accessToken,
    baseUrl: fake.url,
    defaultRegion: 'NP',
    messagesPerSecond: 80,
  });
  try {
    const now = new Date();
    const local = zonedParts(now, timeZone);
    log(`Kathmandu time ${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')} (UTC+5:45)`);
    if (isQuietTime(quietHours, now)) {
      const at = zonedParts(nextAllowedTime(quietHours, now), timeZone);
      log(
        `Quiet hours (21:00–06:00): ${options.respectQuietHours ? 'waiting' : 'a real run would wait'} until ${String(at.hour).padStart(2, '0')}:${String(at.minute).padStart(2, '0')}`,
      );
    }

    // 3. Is the number fit to send? Meta's view of it: status, quality rating, throughput level.
    const number = await sender.phoneNumberStatus();
    const health = assessPhoneNumber(number, {
      messagesPerSecond: sender.messagesPerSecond,
      pausedUntil: sender.pausedUntilDate,
    });
    log(
      `Sending from ${number.displayPhoneNumber} (${number.verifiedName}): ${number.status}, quality ${number.qualityRating}, throughput ${number.throughputLevel} (${number.maxMessagesPerSecond}/s)`,
    );
    for (const w of health.warnings) log(`warning: ${w}`);
    if (!health.ok) {
      for (const p of health.problems) log(`cannot send: ${p}`);
      return [];
    }

    // 4. One template, each parent in their language, the date written for each language.
    const result = await broadcastTemplate(sender, {
      broadcastId: 'class-5-parents-meeting-2081-08-15',
      template: { name: 'class_notice', language: 'en_US' },
      recipients: CLASS_5.map((p) => ({
        to: p.phone,
        id: `${p.name}:${p.student}`,
        language: p.language,
        body: {
          parent: param.text(p.name, 'parent'),
          student: param.text(p.student, 'student'),
          date: param.dateTime(p.language === 'ne' ? 'मंसिर १५, बिहान १० बजे' : 'Mangsir 15, 10 am', 'date'),
        },
      })),
      ...(options.respectQuietHours ? { quietHours } : {}),
      onProgress: (p) => log(`progress: ${p.done}/${p.total} sent=${p.sent} invalid=${p.invalid}`),
    });

    // 5. Wait for the status webhooks, then report what the tracker knows.
    await fake.flushWebhooks();
    const lines: ReportLine[] = [];
    for (const [i, r] of result.results.entries()) {
      const parent = CLASS_5[i]!;
      const tracked = r.messageId ? await tracker.get(r.messageId) : undefined;
      const status =
        r.status === 'invalid'
          ? 'invalid number'
          : tracked
            ? tracked.status + (tracked.errorCodes?.length ? ` (error ${tracked.errorCodes.join(',')})` : '')
            : r.status;
      lines.push({ parent: parent.name, student: parent.student, language: r.language ?? parent.language, status });
    }
    log('');
    log('Delivery report — Class 5 parents meeting');
    log(`${'Parent'.padEnd(18)}${'Student'.padEnd(10)}${'Lang'.padEnd(7)}Status`);
    for (const l of lines) log(`${l.parent.padEnd(18)}${l.student.padEnd(10)}${l.language.padEnd(7)}${l.status}`);
    const tally: Record<string, number> = {};
    for (const l of lines) {
      const word = l.status.split(' ')[0]!;
      tally[word] = (tally[word] ?? 0) + 1;
    }
    log(
      `Summary: ${Object.entries(tally)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; webhook deliveries ${fake.emitter!.deliveries.length}`,
    );
    return lines;
  } finally {
    await sender.close();
    await fake.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main({ respectQuietHours: process.argv.includes('--respect-quiet-hours') });
}
