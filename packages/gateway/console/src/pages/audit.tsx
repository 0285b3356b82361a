import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import type { Answer, AuditEntry } from '../types.js';
import { Alert, Empty, ListState, LoadMore, PageHeader, Table, useLoad, when } from '../ui.js';

/** The audit log: who did what, when, with which outcome; filters and CSV/NDJSON export. */
export function AuditPage() {
  const [filter, setFilter] = useState<Record<string, string>>({});
  const [extra, setExtra] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const page = useLoad(async () => {
    setExtra([]);
    setCursor(undefined);
    return api<Answer<'audit.list'>>('GET', `/v1/admin/audit${query({ ...filter, limit: 50 })}`);
  }, [filter]);
  const next = cursor === undefined ? page.data?.nextCursor : cursor;
  const more = async () => {
    const r = await api<Answer<'audit.list'>>('GET', `/v1/admin/audit${query({ ...filter, limit: 50, cursor: next })}`);
    setExtra((e) => [...e, ...r.entries]);
    setCursor(r.nextCursor);
  };
  const apply = (e: Event) => {
    e.preventDefault();
    const f: Record<string, string> = {};
    for (const [k, v] of new FormData(e.target as HTMLFormElement).entries()) if (typeof v === 'string' && v) f[k] = v;
    setFilter(f);
  };
  const entries = [...(page.data?.entries ?? []), ...extra];
  return (
    <>
      <PageHeader title="Audit">Every API call and console action: who, what, when and how it ended.</PageHeader>
      <form class="filters" onSubmit={apply} aria-label="Audit filters">
        <label>
          Actor
          <input name="actor" placeholder="user:<id> or key:<id>" />
        </label>
        <label>
          Operation
          <input name="operation" placeholder="admin:* or put" />
        </label>
        <label>
          Outcome
          <select name="outcome">
            <option value="">any</option>
            <option value="success">success</option>
            <option value="denied">denied</option>
            <option value="failed">failed</option>
          </select>
        </label>
        <div class="filter-actions">
          <button type="submit">Search</button>
          <a class="button ghost" href={`/v1/admin/audit/export${query({ ...filter, format: 'csv' })}`} download>
            Export CSV
          </a>
          <a class="button ghost" href={`/v1/admin/audit/export${query({ ...filter, format: 'ndjson' })}`} download>
            Export NDJSON
          </a>
        </div>
      </form>
      <Alert error={page.error} />
      <ListState
        loading={page.loading}
        count={entries.length}
        empty={<Empty title="No audit entries match">Clear the filters; every call to /v1 is recorded here.</Empty>}
      >
        <Table caption="Audit entries" columns={['When', 'Who', 'What', 'Call', 'Status']}>
          {entries.map((e) => (
            <tr key={e.id}>
              <td>{when(e.at)}</td>
              <td>{e.actor ?? '—'}</td>
              <td>{e.operation ?? '—'}</td>
              <td>
                <code>
                  {e.method} {e.path}
                </code>
              </td>
              <td>{e.status}</td>
            </tr>
          ))}
        </Table>
      </ListState>
      <LoadMore more={Boolean(next)} onMore={more} />
    </>
  );
}
