// Records/s of the incremental sync engine over an in-memory source and sink, side by side with a bare loop that
// pages the same source into the same sink (the ceiling: no checkpoints, no pipelining, no tie logic).
//   npm run bench -- sync [--records 500000] [--page 1000] [--tie 3]
import {
  MemoryCheckpointStore,
  createMemorySyncSink,
  runIncrementalSync,
  VersionedTable,
  type SyncBatch,
  type VersionedRow,
} from '@relaykit/sdk-core';
import { numberArg, reportBench, round } from './lib.js';

type Data = { name: string; amount: number };
type Row = VersionedRow<Data>;

const records = numberArg('records', 500_000);
const pageSize = numberArg('page', 1000);
const tie = numberArg('tie', 3); // rows sharing one RowVersion
const base = 2n ** 62n;

const table = new VersionedTable<Data>();
for (let i = 0; i < records; i++) {
  table.load({
    id: `p${String(i).padStart(8, '0')}`,
    version: base + BigInt(Math.floor(i / tie)),
    deleted: i % 50 === 0,
    data: { name: `person ${i}`, amount: i },
  });
}
table.rows(); // sort once, outside the timings

const transform = (row: Row) => row.data;

async function engine(filter: 'position' | 'version-exclusive'): Promise<number> {
  const sink = createMemorySyncSink<Data>();
  const started = performance.now();
  const summary = await runIncrementalSync({
    source: 'bench',
    entity: 'rows',
    filter,
    pageSize,
    checkpoints: new MemoryCheckpointStore(),
    sink,
    transform,
    fetchPage: table.fetcher({ filter, ties: 'split' }),
  });
  const ms = performance.now() - started;
  if (summary.records !== records || sink.rows.size !== table.liveRows().length)
    throw new Error(`engine synced ${summary.records} records, sink holds ${sink.rows.size}`);
  return (records * 1000) / ms;
}

async function bare(): Promise<number> {
  const sink = createMemorySyncSink<Data>();
  const signal = new AbortController().signal;
  const started = performance.now();
  let after: { version: bigint; id: string } | undefined;
  let seen = 0;
  let page = 0;
  for (;;) {
    const { records: rows } = table.page({ after, fromVersion: undefined, limit: pageSize });
    if (rows.length === 0) break;
    const batch: SyncBatch<Data, Row> = {
      source: 'bench',
      entity: 'rows',
      page: ++page,
      upserts: [],
      deletes: [],
      checkpoint: undefined,
    };
    for (const row of rows) {
      if (row.deleted) batch.deletes.push({ id: row.id, version: row.version, raw: row });
      else batch.upserts.push({ id: row.id, version: row.version, data: transform(row) });
    }
    await sink.write(batch, { signal });
    seen += rows.length;
    const last = rows.at(-1)!;
    after = { version: last.version, id: last.id };
  }
  const ms = performance.now() - started;
  if (seen !== records) throw new Error(`bare loop saw ${seen}`);
  return (records * 1000) / ms;
}

// Warm up, then alternate to spread machine noise over both.
await engine('position');
await bare();
const engineRuns: number[] = [];
const bareRuns: number[] = [];
const versionRuns: number[] = [];
for (let i = 0; i < 3; i++) {
  engineRuns.push(await engine('position'));
  bareRuns.push(await bare());
  versionRuns.push(await engine('version-exclusive'));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const engineRps = median(engineRuns);
const bareRps = median(bareRuns);
reportBench('sync', {
  records,
  page: pageSize,
  tie,
  engine_rps: Math.round(engineRps),
  bare_rps: Math.round(bareRps),
  ratio: round(engineRps / bareRps, 3),
  engine_version_filter_rps: Math.round(median(versionRuns)),
});
