import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import type { Answer, JobSummary } from '../types.js';
import { Alert, Badge, Empty, ListState, LoadMore, Notice, PageHeader, Table, useLoad, when } from '../ui.js';
import { JobDrawer } from './job-drawer.js';
import type { PageProps } from './props.js';

const STATUSES = ['queued', 'active', 'retrying', 'succeeded', 'failed', 'dead', 'cancelled'];
type Filter = Record<string, string>;
const FIELDS = [
  ['instance', 'Instance'],
  ['operation', 'Operation'],
  ['errorCode', 'Error code'],
  ['q', 'Text in the error'],
  ['idempotencyKey', 'Idempotency-Key'],
] as const;

/** Jobs: search with filters, a detail drawer with attempts, retry and cancel (operators), bulk retry. */
export function JobsPage(props: PageProps) {
  const initial = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const [filter, setFilter] = useState<Filter>(Object.fromEntries(initial));
  const [pages, setPages] = useState<JobSummary[][]>([]);
  const [open, setOpen] = useState<string | undefined>(initial.get('job') ?? undefined);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const list = useLoad(async () => {
    const { job: _job, ...f } = filter;
    const page = await api<Answer<'admin.jobs.list'>>('GET', `/v1/admin/jobs${query({ ...f, limit: 50 })}`);
    setPages([page.jobs]);
    return page;
  }, [filter]);
  const [cursor, setCursor] = useState<string | null>(null);
  const next = list.data ? (cursor ?? list.data.nextCursor) : null;
  const more = async () => {
    const { job: _job, ...f } = filter;
    const page = await api<Answer<'admin.jobs.list'>>(
      'GET',
      `/v1/admin/jobs${query({ ...f, limit: 50, cursor: next })}`,
    );
    setPages((p) => [...p, page.jobs]);
    setCursor(page.nextCursor ?? '');
  };
  const jobs = pages.flat();

  const apply = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const f: Filter = {};
    for (const [k, v] of form.entries()) if (typeof v === 'string' && v) f[k] = v;
    setCursor(null);
    setFilter(f);
  };

  const bulkRetry = async () => {
    setError(undefined);
    const { job: _job, q, ...rest } = filter;
    const body = { filter: { ...rest, ...(q ? { q } : {}), status: rest.status ? [rest.status] : undefined } };
    try {
      const dry = await api<Answer<'admin.jobs.retryMatching'>>('POST', '/v1/admin/jobs/retry', {
        ...body,
        dryRun: true,
      });
      if (!dry.matched) return setNotice('No failed or dead job matches these filters.');
      if (!confirm(`Retry ${dry.matched} failed or dead job(s) matching these filters?`)) return;
      const done = await api<Answer<'admin.jobs.retryMatching'>>('POST', '/v1/admin/jobs/retry', {
        ...body,
        dryRun: false,
      });
      setNotice(`${done.retried} job(s) queued again.`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <PageHeader title="Jobs">Every job of your environment, newest first. Open one to see its attempts.</PageHeader>
      <form class="filters" onSubmit={apply} aria-label="Job filters">
        <label>
          Status
          <select name="status" value={filter.status ?? ''}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {FIELDS.map(([name, label]) => (
          <label key={name}>
            {label}
            <input name={name} value={filter[name] ?? ''} />
          </label>
        ))}
        <div class="filter-actions">
          <button type="submit">Search</button>
          {props.can('admin:operate') ? (
            <button type="button" class="ghost" onClick={bulkRetry}>
              Retry all failed matching…
            </button>
          ) : null}
        </div>
      </form>
      <Alert error={list.error ?? error} />
      <Notice text={notice} />
      <ListState
        loading={list.loading}
        count={jobs.length}
        empty={
          <Empty title="No jobs match">
            {Object.keys(filter).length
              ? 'Clear or widen the filters above.'
              : 'Submit one with POST /v1/{instance}/{operation} and an API key (the API docs have examples).'}
          </Empty>
        }
      >
        <Table caption="Jobs" columns={['Job', 'Instance', 'Operation', 'Status', 'Attempts', 'Error', 'Created']}>
          {jobs.map((j) => (
            <tr key={j.id} data-job={j.id}>
              <td>
                <button type="button" class="link" onClick={() => setOpen(j.id)} aria-label={`Open job ${j.id}`}>
                  {j.id.slice(0, 12)}…
                </button>
              </td>
              <td>{j.instance}</td>
              <td>{j.operation}</td>
              <td>
                <Badge value={j.status} />
              </td>
              <td>
                {j.attemptCount}/{j.maxAttempts}
              </td>
              <td>{j.error ? <code>{j.error.code}</code> : '—'}</td>
              <td>{when(j.createdAt)}</td>
            </tr>
          ))}
        </Table>
      </ListState>
      <LoadMore more={Boolean(next)} onMore={more} />
      {open ? <JobDrawer {...props} id={open} onClose={() => setOpen(undefined)} onChanged={list.reload} /> : null}
    </>
  );
}
