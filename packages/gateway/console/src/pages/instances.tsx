import { api } from '../api.js';
import type { Answer } from '../types.js';
import { Alert, Badge, Empty, PageHeader, Table, useLoad, when } from '../ui.js';

const pct = (rate: number) => `${Math.round(rate * 1000) / 10}%`;

/** Each instance: cached health, circuits, queue depths, rate limits, throughput and error rate. */
export function InstancesPage() {
  const list = useLoad(() => api<Answer<'instances.list'>>('GET', '/v1/admin/instances'), []);
  const instances = list.data?.instances ?? [];
  return (
    <>
      <PageHeader title="Instances">
        Health comes from the background checks; throughput from the job records.
      </PageHeader>
      <Alert error={list.error} />
      <button type="button" class="ghost" onClick={list.reload}>
        Refresh
      </button>
      {list.loading && !instances.length ? (
        <p class="muted">Loading…</p>
      ) : instances.length === 0 ? (
        <Empty title="No instances in this environment">
          Configure one under <code>instances:</code> in relaykit.yaml (see <code>relaykit init</code>) and restart.
        </Empty>
      ) : (
        <Table caption="Instances">
          <thead>
            <tr>
              <th scope="col">Instance</th>
              <th scope="col">Connector</th>
              <th scope="col">Health</th>
              <th scope="col">Circuits</th>
              <th scope="col">Queue (waiting / active / delayed)</th>
              <th scope="col">Jobs/min (5 min)</th>
              <th scope="col">Error rate (1 h)</th>
              <th scope="col">Rate-limit waits</th>
            </tr>
          </thead>
          <tbody>
            {instances.map((i) => (
              <tr key={i.name}>
                <th scope="row">{i.name}</th>
                <td>{i.connector}</td>
                <td>
                  <Badge value={i.health.ok === null ? 'unknown' : i.health.ok ? 'healthy' : 'unhealthy'} />
                  <small class="muted"> {when(i.health.checkedAt)}</small>
                </td>
                <td>
                  {Object.entries(i.circuits)
                    .map(([k, v]) => `${k}: ${v}`)
                    .join(', ') || '—'}
                </td>
                <td>{i.queue ? `${i.queue.waiting} / ${i.queue.active} / ${i.queue.delayed}` : '—'}</td>
                <td>{i.throughput.last5m.perMinute}</td>
                <td>{pct(i.throughput.last60m.errorRate)}</td>
                <td>{i.rateLimit.waits}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
