import { expect, it } from 'vitest';
import { main } from './main.js';

it('broadcasts to the class and prints a delivery report from the status webhooks', async () => {
  const out: string[] = [];
  const lines = await main({ log: (l) => out.push(l) });
  expect(lines).toHaveLength(7);
  expect(lines.filter((l) => l.status === 'read')).toHaveLength(5);
  expect(lines.find((l) => l.parent === 'Bishnu Magar')?.status).toBe('invalid number');
  expect(lines.find((l) => l.parent === 'Kamala Shrestha')?.status).toBe('failed (error 131026)');
  expect(lines.find((l) => l.parent === 'Sita Sharma')?.language).toBe('ne');
  expect(out).toContain(
    'Sending from +9779800000000 (Relaykit Test School): CONNECTED, quality GREEN, throughput STANDARD (80/s)',
  );
  expect(out.join('\n')).toMatch(/Delivery report/);
  expect(out.join('\n')).toMatch(/Summary: read 5, invalid 1, failed 1/);
});
