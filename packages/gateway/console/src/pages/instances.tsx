import { api } from '../api.js';
import type { Answer } from '../types.js';
import { Alert, Badge, Empty, ListState, PageHeader, Table, useLoad, when } from '../ui.js';

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
      <ListState
        loading={list.loading}
        count={instances.length}
        empty={
          <Empty title="No instances in this environment">
            Configure one under <code>instances:</code> in relaykit.yaml (see <code>relaykit init</code>) and restart.
          </Empty>
        }
      >
        <Table
          caption="Instances"
          columns={[
            'Instance',
            'Connector',
            'Health',
            'Circuits',
            'Queue (waiting / active / delayed)',
            'Jobs/min (5 min)',
            'Error rate (1 h)',
            'Rate-limit waits',
          ]}
        >
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
        </Table>
      </ListState>
    </>
  );
}
