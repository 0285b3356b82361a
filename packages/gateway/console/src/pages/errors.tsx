import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import type { Answer, ErrorGroup } from '../types.js';
import { Alert, Badge, Empty, ListState, Notice, PageHeader, Table, useLoad, when } from '../ui.js';
import type { PageProps } from './props.js';

const NEXT: Record<ErrorGroup['status'], Array<{ to: ErrorGroup['status']; label: string }>> = {
  open: [
    { to: 'acknowledged', label: 'Acknowledge' },
    { to: 'resolved', label: 'Resolve' },
  ],
  acknowledged: [{ to: 'resolved', label: 'Resolve' }],
  resolved: [{ to: 'open', label: 'Reopen' }],
};

/** Failures grouped by fingerprint, with the resolution workflow open → acknowledged → resolved. */
export function ErrorsPage(props: PageProps) {
  const [status, setStatus] = useState('open,acknowledged');
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const groups = useLoad(
    () => api<Answer<'admin.errors.list'>>('GET', `/v1/admin/errors${query({ status: status || undefined })}`),
    [status],
  );
  const change = async (g: ErrorGroup, to: ErrorGroup['status']) => {
    const note = (document.getElementById(`note-${g.fingerprint}`) as HTMLInputElement | null)?.value || undefined;
    setError(undefined);
    try {
      await api('POST', `/v1/admin/errors/${g.fingerprint}/status`, { status: to, note });
      setNotice(`${g.code} on ${g.instance}/${g.operation} is now ${to}.`);
      groups.reload();
    } catch (err) {
      setError(err);
    }
  };
  const list = groups.data?.groups ?? [];
  return (
    <>
      <PageHeader title="Errors">
        Failures grouped by instance, operation, error code and message. A resolved group reopens when it happens again.
      </PageHeader>
      <div class="filters">
        <label>
          Show
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="open,acknowledged">open and acknowledged</option>
            <option value="open">open</option>
            <option value="acknowledged">acknowledged</option>
            <option value="resolved">resolved</option>
            <option value="">all</option>
          </select>
        </label>
      </div>
      <Alert error={groups.error ?? error} />
      <Notice text={notice} />
      <ListState
        loading={groups.loading}
        count={list.length}
        empty={
          <Empty title="No error groups here">
            Nothing has failed in this view. Failed attempts are grouped here automatically; switch to “all” to see
            resolved groups.
          </Empty>
        }
      >
        <Table
          caption="Error groups"
          columns={['Error', 'Where', 'Count', 'Last seen', 'Status', props.can('admin:operate') && 'Resolution']}
        >
          {list.map((g) => (
            <tr key={g.fingerprint} data-fingerprint={g.fingerprint}>
              <td>
                <code>{g.code}</code> {g.sampleMessage}
                <br />
                <small class="muted">
                  Jobs:{' '}
                  {g.sampleJobIds.slice(-3).map((id) => (
                    <a key={id} href={`#/jobs?job=${id}`}>
                      {id.slice(0, 10)}…{' '}
                    </a>
                  ))}
                </small>
              </td>
              <td>
                {g.instance} / {g.operation}
              </td>
              <td>{g.count}</td>
              <td>{when(g.lastSeen)}</td>
              <td>
                <Badge value={g.status} />
                {g.reopened ? <small> reopened {g.reopened}×</small> : null}
                {g.statusBy ? (
                  <small class="muted">
                    <br />
                    by {g.statusBy}
                    {g.statusNote ? `: ${g.statusNote}` : ''}
                  </small>
                ) : null}
              </td>
              {props.can('admin:operate') ? (
                <td class="resolution">
                  <label class="sr-only" for={`note-${g.fingerprint}`}>
                    Note for {g.code}
                  </label>
                  <input id={`note-${g.fingerprint}`} placeholder="Note (optional)" />
                  {NEXT[g.status].map((n) => (
                    <button key={n.to} type="button" onClick={() => change(g, n.to)}>
                      {n.label}
                    </button>
                  ))}
                </td>
              ) : null}
            </tr>
          ))}
        </Table>
      </ListState>
    </>
  );
}
