// `relaykit schedules list|runs|run|pause|resume` on an embedded database directory.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/program.js';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['node', 'relaykit', ...args], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: {},
    signals: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('relaykit schedules', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rk-sched-cli-'));
    file = join(dir, 'relaykit.yaml');
    const plugin = fileURLToPath(new URL('../test-support/schedules/ticker.ts', import.meta.url));
    await writeFile(
      file,
      [
        'environments: [dev]',
        `database: { dataDir: ${JSON.stringify(join(dir, 'db'))} }`,
        'instances:',
        '  tick:',
        `    connector: ${JSON.stringify(plugin)}`,
        '    export: tickerConnector',
        '    environment: dev',
        '    schedules:',
        '      beat: { operation: beat, cron: "30 7 * * 0-5", timeZone: Asia/Kathmandu, input: { n: 1 } }',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists, pauses, resumes and runs a schedule now, and shows its runs', async () => {
    const list = await cli(['schedules', 'list', '-c', file, '--sync']);
    expect(list.err).toBe('');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(
      /^tick\.beat {2}tick\/beat {2}cron "30 7 \* \* 0-5" Asia\/Kathmandu {2}next \S+T01:45:00Z {2}last never$/,
    );

    const paused = await cli(['schedules', 'pause', 'tick.beat', '-c', file]);
    expect(paused.out).toContain('PAUSED');
    const resumed = await cli(['schedules', 'resume', 'tick.beat', '-c', file]);
    expect(resumed.out).toMatch(/next \S+T01:45:00Z/);

    const run = await cli(['schedules', 'run', 'tick.beat', '-c', file]);
    expect(run.code).toBe(0);
    const jobId = /job (\S+) queued/.exec(run.out)?.[1];
    expect(jobId).toMatch(/^job_[0-9a-z]+$/);
    const runs = await cli(['schedules', 'runs', 'tick.beat', '-c', file]);
    expect(runs.out).toContain(`manual          ${jobId} queued`);
    expect((await cli(['schedules', 'list', '-c', file])).out).toMatch(/last manual \S+ \(job queued\)/);

    const missing = await cli(['schedules', 'pause', 'nope', '-c', file]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no schedule nope');
  }, 120_000);
});
