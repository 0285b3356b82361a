// The chaos suite (issue 16): an API and N workers on real PostgreSQL and Redis under a fault schedule, checked
// through the public API and the fake upstream's ledger; prints one JSON line like the benches.
//   npm run chaos                          the short profile (about a minute; also run by `npm test`)
//   npm run chaos -- --profile long        the acceptance run; writes bench/results/chaos.json
//   npm run chaos -- --profile soak [--jobs 1000000] [--rate 200] [--batch 100] [--workers 3] [--warmup 120] [--window 60]
//                                          [--mem 5] (each process' memory every 5 s, and after V8's full GCs)
//                                          [--heap-mb 96] (each gateway process' old-space ceiling; 0: V8's default)
//                                          [--gc-at-warmup] (also a forced full GC at the warm-up's end: exact live
//                                          memory growth, but V8 then sizes its heap differently)
//                                          [--snapshots DIR] (heap snapshots at the warm-up's end and the submits' end)
//                                          [--retention 180] (finished jobs deleted after 180 s: the tables level off;
//                                          writes bench/results/chaos-soak-retention.json instead)
//                                          [--samples FILE] (every sample of the run, as JSON)
//                                          writes bench/results/chaos-soak.json
import { reportBench } from './lib.js';
import { runChaos } from './chaos/driver.js';
import { profiles, type ProfileName } from './chaos/profiles.js';
import { runSoak } from './chaos/soak.js';

const args: Record<string, string> = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i]!;
  if (!arg.startsWith('--')) continue;
  const [k, v] = arg.slice(2).split('=', 2);
  if (v !== undefined) args[k!] = v;
  else if (argv[i + 1] && !argv[i + 1]!.startsWith('--')) args[k!] = argv[++i]!;
  else args[k!] = 'true';
}
const num = (name: string, fallback: number) => (args[name] === undefined ? fallback : Number(args[name]));
const profile = args.profile ?? 'short';
const log = (line: string) => console.error(`[chaos] ${line}`);

if (profile === 'soak') {
  const result = await runSoak({
    jobs: num('jobs', 1_000_000),
    rate: num('rate', 200),
    batch: num('batch', 100),
    workers: num('workers', 3),
    concurrency: num('concurrency', 32),
    warmupMs: num('warmup', 120) * 1000,
    windowMs: num('window', 60) * 1000,
    sampleMs: num('sample', 2) * 1000,
    memMs: num('mem', 5) * 1000,
    heapMb: num('heap-mb', 96),
    snapshotDir: args.snapshots,
    samplesFile: args.samples,
    retentionMs: args.retention === undefined ? undefined : num('retention', 0) * 1000,
    gcAtWarmup: args['gc-at-warmup'] === 'true',
    log,
  });
  // A retention run answers another question (do the tables level off?): its figures sit beside the plain soak's.
  reportBench(args.retention === undefined ? 'chaos-soak' : 'chaos-soak-retention', result);
} else if (profile === 'short' || profile === 'long') {
  const result = await runChaos({ ...profiles[profile as ProfileName], log });
  if (profile === 'long') reportBench('chaos', result);
  else console.log(JSON.stringify({ bench: 'chaos', ...result, node: process.version, at: new Date().toISOString() }));
} else {
  console.error(`unknown profile ${profile}: short, long or soak`);
  process.exit(2);
}
process.exit(0);
