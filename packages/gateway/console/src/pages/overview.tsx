import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ThroughputChart } from '../chart.js';
import type { Answer, Bucket, LiveStats } from '../types.js';
import { Alert, Badge, Empty, ListState, PageHeader, Table, when } from '../ui.js';

/** Buckets merged by start time (the live events carry the last minutes only). */
function merge(history: Bucket[], recent: Bucket[]): Bucket[] {
  const byStart = new Map(history.map((b) => [b.start, b]));
  for (const b of recent) byStart.set(b.start, b);
  return [...byStart.values()].sort((a, b) => a.start.localeCompare(b.start)).slice(-60);
}

const total = (buckets: Bucket[], key: 'succeeded' | 'failed' | 'dead' | 'retrying') =>
  buckets.reduce((n, b) => n + b[key], 0);

/** Live throughput and errors (Server-Sent Events), queue depths, instances and circuits. */
export function OverviewPage() {
  const [buckets, setBuckets] = useState<Bucket[]>([]);
  const [live, setLive] = useState<LiveStats>();
  const [error, setError] = useState<unknown>();
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    api<Answer<'stats.timeseries'>>('GET', '/v1/admin/stats/timeseries?range=1h').then(
      (r) => setBuckets((b) => merge(r.buckets, b)),
      setError,
    );
    const source = new EventSource('/v1/admin/stream');
    source.addEventListener('stats', (e) => {
      const stats = JSON.parse((e as MessageEvent<string>).data) as LiveStats;
      setLive(stats);
      setBuckets((b) => merge(b, stats.jobs));
      setConnected(true);
    });
    source.onerror = () => setConnected(false);
    return () => source.close();
  }, []);

  return (
    <>
      <PageHeader title="Overview">Jobs per minute over the last hour, updated live every few seconds.</PageHeader>
      <Alert error={error} />
      <section aria-labelledby="throughput-title" class="card">
        <h2 id="throughput-title">Throughput and errors</h2>
        <figure>
          <ThroughputChart buckets={buckets} />
          <figcaption id="chart-summary" aria-live="polite">
            Last hour: <strong data-testid="succeeded-total">{total(buckets, 'succeeded')}</strong> succeeded,{' '}
            <strong data-testid="failed-total">{total(buckets, 'failed')}</strong> failed,{' '}
            <strong>{total(buckets, 'dead')}</strong> dead, <strong>{total(buckets, 'retrying')}</strong> retrying.{' '}
            <span class="muted">
              {connected ? `Live (updated ${when(live?.at)}).` : 'Connecting to the live stream…'}
            </span>
          </figcaption>
        </figure>
      </section>
      <section aria-labelledby="instances-title" class="card">
        <h2 id="instances-title">Instances, queues and circuits</h2>
        {!live ? (
          <p class="muted">Waiting for the first live update…</p>
        ) : (
          <ListState
            count={live.instances.length}
            empty={
              <Empty title="No instances in this environment">
                Add one under <code>instances:</code> in relaykit.yaml and restart the gateway.
              </Empty>
            }
          >
            <Table
              caption="Instances with their health, queue depths and circuits"
              columns={['Instance', 'Health', 'Waiting', 'Active', 'Delayed', 'Circuits']}
            >
              {live.instances.map((i) => (
                <tr key={i.name}>
                  <th scope="row">{i.name}</th>
                  <td>
                    <Badge value={i.healthy === null ? 'unknown' : i.healthy ? 'healthy' : 'unhealthy'} />
                  </td>
                  <td>{i.queue?.waiting ?? '—'}</td>
                  <td>{i.queue?.active ?? '—'}</td>
                  <td>{i.queue?.delayed ?? '—'}</td>
                  <td>
                    {Object.entries(i.circuits).length
                      ? Object.entries(i.circuits).map(([name, state]) => (
                          <span key={name} class="circuit">
                            {name}: <Badge value={state} />
                          </span>
                        ))
                      : '—'}
                  </td>
                </tr>
              ))}
            </Table>
          </ListState>
        )}
      </section>
    </>
  );
}
