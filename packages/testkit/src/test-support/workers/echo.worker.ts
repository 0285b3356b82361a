// Fixture of spawn.test.ts: a worker that prints `ready`, waits for one stdin line and answers as its
// environment says (JSON result, non-zero exit, hang, or a stream of lines).
import { createInterface } from 'node:readline';

const mode = process.env.ECHO_MODE ?? 'json';
console.log(mode === 'no-json' ? 'ready' : JSON.stringify({ ready: process.env.ECHO_ID }));
if (mode === 'crash-early') {
  console.error('boom: could not connect to the fake');
  process.exit(3);
}
if (mode === 'stream') {
  for (let i = 1; ; i++) {
    console.log('tick');
    await new Promise((r) => setTimeout(r, 5));
    if (i > 10_000) break;
  }
}
if (mode === 'hang') await new Promise(() => setInterval(() => undefined, 1000));
const input = createInterface({ input: process.stdin });
const line = await new Promise<string>((resolve) => input.once('line', resolve));
input.close();
if (mode === 'crash') {
  console.error(`failed on ${line}`);
  process.exit(2);
}
if (mode === 'no-json') {
  console.log('all done');
  process.exit(0);
}
console.log('some log line');
console.log(
  JSON.stringify({
    id: process.env.ECHO_ID,
    got: JSON.parse(line) as unknown,
    args: process.argv.slice(2),
    cwd: process.cwd(),
  }),
);
