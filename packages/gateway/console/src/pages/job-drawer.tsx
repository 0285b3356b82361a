import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.js';
import type { Answer, JobDetail } from '../types.js';
import { Alert, Badge, Drawer, Json, ListState, Notice, Table, useLoad, when } from '../ui.js';
import type { PageProps } from './props.js';

/** A job's details: attempts, input and result (masked unless revealed), with retry and cancel for operators. */
export function JobDrawer(props: PageProps & { id: string; onClose(): void; onChanged(): void }) {
  const [reveal, setReveal] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const job = useLoad(
    () =>
      api<JobDetail>('GET', `/v1/admin/jobs/${encodeURIComponent(props.id)}${query({ reveal: reveal || undefined })}`),
    [props.id, reveal],
  );
  const act = async (action: 'retry' | 'cancel') => {
    setError(undefined);
    try {
      const r = await api<Answer<'admin.jobs.retry'>>(
        'POST',
        `/v1/admin/jobs/${encodeURIComponent(props.id)}/${action}`,
      );
      setNotice(action === 'retry' ? `Retry queued (status ${r.status}).` : 'Job cancelled.');
      job.reload();
      props.onChanged();
    } catch (err) {
      setError(err);
    }
  };
  const d = job.data;
  // While the job is under way, the drawer follows it (every second) until it settles.
  useEffect(() => {
    if (!d || !['queued', 'active', 'retrying'].includes(d.status)) return;
    const timer = setTimeout(job.reload, 1000);
    return () => clearTimeout(timer);
  }, [d]);
  const operate = props.can('admin:operate');
  return (
    <Drawer title={`Job ${props.id}`} onClose={props.onClose}>
      <Alert error={job.error ?? error} />
      <Notice text={notice} />
      {d ? (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <Badge value={d.status} />
            </dd>
            <dt>Instance / operation</dt>
            <dd>
              {d.instance} / {d.operation}
            </dd>
            <dt>Attempts</dt>
            <dd>
              {d.attemptCount} of {d.maxAttempts}
            </dd>
            <dt>Created</dt>
            <dd>{when(d.createdAt)}</dd>
            {d.error ? (
              <>
                <dt>Last error</dt>
                <dd>
                  <code>{d.error.code}</code> {d.error.message}
                </dd>
              </>
            ) : null}
          </dl>
          <div class="actions">
            {operate && (d.status === 'failed' || d.status === 'dead') ? (
              <button type="button" onClick={() => act('retry')}>
                Retry job
              </button>
            ) : null}
            {operate && (d.status === 'queued' || d.status === 'retrying') ? (
              <button type="button" class="danger" onClick={() => act('cancel')}>
                Cancel job
              </button>
            ) : null}
            {props.can('admin:reveal') && d.masked ? (
              <button type="button" class="ghost" onClick={() => setReveal(true)}>
                Reveal clear values (audited)
              </button>
            ) : null}
            <button type="button" class="ghost" onClick={job.reload}>
              Refresh
            </button>
          </div>
          <h3>Attempts</h3>
          <ListState count={d.attempts.length} empty={<p class="muted">No attempt yet: the job waits in the queue.</p>}>
            <Table
              caption="Attempts of this job"
              columns={['#', 'Outcome', 'Started', 'Duration', 'Upstream', 'Error']}
            >
              {d.attempts.map((a) => (
                <tr key={a.attempt}>
                  <td>{a.attempt}</td>
                  <td>
                    <Badge value={a.outcome} />
                  </td>
                  <td>{when(a.startedAt)}</td>
                  <td>{a.durationMs === null ? '—' : `${Math.round(a.durationMs)} ms`}</td>
                  <td>{a.upstreamStatus ?? '—'}</td>
                  <td>{a.error ? `${a.error.code}: ${a.error.message}` : '—'}</td>
                </tr>
              ))}
            </Table>
          </ListState>
          <h3>Input {d.masked ? <small>(masked)</small> : <small>(clear values)</small>}</h3>
          <Json value={d.input} label="Job input" />
          <h3>Result</h3>
          <Json value={d.result ?? null} label="Job result" />
        </>
      ) : (
        <p class="muted">Loading…</p>
      )}
    </Drawer>
  );
}
