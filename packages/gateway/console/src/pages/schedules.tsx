import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import type { Answer, Schedule, ScheduleRunNow } from '../types.js';
import { Alert, Badge, Drawer, Empty, Json, ListState, Notice, PageHeader, Table, useLoad, when } from '../ui.js';
import type { PageProps } from './props.js';

const path = (id: string, rest = '') => `/v1/admin/schedules/${encodeURIComponent(id)}${rest}`;

/** How a schedule's timing reads: its cron or interval and its time zone. */
const timingOf = (s: Schedule) =>
  `${s.cron ? `cron ${s.cron}` : `every ${s.everyMs === null ? '?' : ms(s.everyMs)}`} (${s.timeZone})`;

/** A duration as the operator reads it. */
function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (Math.abs(value) < 1000) return `${Math.round(value)} ms`;
  if (Math.abs(value) < 120_000) return `${(value / 1000).toFixed(1)} s`;
  return `${Math.round(value / 60_000)} min`;
}

function FireTimes(props: { times: string[]; paused: boolean }) {
  if (props.paused) return <span class="muted">paused</span>;
  if (!props.times.length) return <span class="muted">none</span>;
  return (
    <ul class="fire-times">
      {props.times.map((t) => (
        <li key={t}>
          <time dateTime={t}>{when(t)}</time>
        </li>
      ))}
    </ul>
  );
}

/** A link to a job's detail on the jobs page. */
const JobLink = (props: { id: string }) => (
  <a href={`#/jobs?job=${encodeURIComponent(props.id)}`} aria-label={`Job ${props.id}`}>
    {props.id.slice(0, 12)}…
  </a>
);

/** Pause or resume, run now and (for schedules made through the API) delete: operators only. */
function useActions(onDone: (message: string) => void, onError: (error: unknown) => void) {
  return async (s: Schedule, action: 'pause' | 'resume' | 'run' | 'delete') => {
    onError(undefined);
    try {
      if (action === 'delete') {
        if (!confirm(`Delete schedule ${s.name}? Its run history goes with it; jobs it made stay.`)) return;
        await api('DELETE', path(s.id));
        onDone(`Schedule ${s.name} deleted.`);
      } else if (action === 'run') {
        const job = await api<ScheduleRunNow>('POST', path(s.id, '/run'));
        onDone(`Schedule ${s.name} ran now: job ${job.id}.`);
      } else {
        await api('POST', path(s.id, `/${action}`));
        onDone(`Schedule ${s.name} ${action === 'pause' ? 'paused' : 'resumed'}.`);
      }
    } catch (error) {
      onError(error);
    }
  };
}

function Actions(props: { schedule: Schedule; act: ReturnType<typeof useActions> }) {
  const s = props.schedule;
  return (
    <>
      {s.paused ? (
        <button type="button" onClick={() => props.act(s, 'resume')} aria-label={`Resume ${s.name}`}>
          Resume
        </button>
      ) : (
        <button type="button" onClick={() => props.act(s, 'pause')} aria-label={`Pause ${s.name}`}>
          Pause
        </button>
      )}
      <button type="button" onClick={() => props.act(s, 'run')} aria-label={`Run ${s.name} now`}>
        Run now
      </button>
      {s.source === 'api' ? (
        <button type="button" class="danger" onClick={() => props.act(s, 'delete')} aria-label={`Delete ${s.name}`}>
          Delete
        </button>
      ) : null}
    </>
  );
}

/** Schedules: next fire times, last outcome and lag; a detail drawer with run history linked to the jobs. */
export function SchedulesPage(props: PageProps) {
  const initial = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const [open, setOpen] = useState<string | undefined>(initial.get('schedule') ?? undefined);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const list = useLoad(
    () => api<Answer<'admin.schedules.list'>>('GET', `/v1/admin/schedules${query({ next: 3 })}`),
    [],
  );
  const act = useActions((message) => {
    setNotice(message);
    list.reload();
  }, setError);
  const operate = props.can('admin:operate');
  const schedules = list.data?.schedules ?? [];
  return (
    <>
      <PageHeader title="Schedules">
        Cron and interval schedules of this environment: when each fires next, how its last run went and how late its
        job started. Open one for its run history.
      </PageHeader>
      <Alert error={list.error ?? error} />
      <Notice text={notice} />
      <ListState
        loading={list.loading}
        count={schedules.length}
        empty={
          <Empty title="No schedules yet">
            Schedules come from the configuration file (<code>schedules:</code> under an instance), from connectors, or
            from <code>POST /v1/schedules</code> with an API key.
          </Empty>
        }
      >
        <Table
          caption="Schedules"
          columns={['Schedule', 'Runs', 'Next fire times', 'Last run', 'Lag', operate && 'Actions']}
        >
          {schedules.map((s) => (
            <tr key={s.id} data-schedule={s.id}>
              <th scope="row">
                <button type="button" class="link" onClick={() => setOpen(s.id)} aria-label={`Open schedule ${s.name}`}>
                  {s.name}
                </button>{' '}
                {s.paused ? <Badge value="paused" /> : null}
                <br />
                <small class="muted">{timingOf(s)}</small>
              </th>
              <td>
                {s.instance} / {s.operation}
                <br />
                <small class="muted">{s.source}</small>
              </td>
              <td>
                <FireTimes times={s.next} paused={s.paused} />
              </td>
              <td>
                {s.lastOutcome ? (
                  <>
                    <Badge value={s.lastOutcome} /> <small>{when(s.lastFireAt)}</small>
                    {s.lastJob ? (
                      <>
                        <br />
                        <JobLink id={s.lastJob.id} /> {s.lastJob.status ? <Badge value={s.lastJob.status} /> : null}
                      </>
                    ) : null}
                  </>
                ) : (
                  <span class="muted">not run yet</span>
                )}
              </td>
              <td>{ms(s.lastLagMs)}</td>
              {operate ? (
                <td class="actions">
                  <Actions schedule={s} act={act} />
                </td>
              ) : null}
            </tr>
          ))}
        </Table>
      </ListState>
      {open ? (
        <ScheduleDrawer
          {...props}
          id={open}
          onClose={() => setOpen(undefined)}
          onChanged={() => {
            list.reload();
          }}
        />
      ) : null}
    </>
  );
}

/** One schedule: timing, policies, the next 10 fire times and its run history, each run linked to its job. */
function ScheduleDrawer(props: PageProps & { id: string; onClose(): void; onChanged(): void }) {
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const schedule = useLoad(() => api<Schedule>('GET', path(props.id, query({ next: 10 }))), [props.id]);
  const runs = useLoad(
    () => api<Answer<'admin.schedules.runs'>>('GET', path(props.id, `/runs${query({ limit: 50 })}`)),
    [props.id],
  );
  const act = useActions((message) => {
    setNotice(message);
    schedule.reload();
    runs.reload();
    props.onChanged();
  }, setError);
  const s = schedule.data;
  const history = runs.data?.runs ?? [];
  return (
    <Drawer title={`Schedule ${s?.name ?? props.id}`} onClose={props.onClose}>
      <Alert error={schedule.error ?? runs.error ?? error} />
      <Notice text={notice} />
      {s ? (
        <>
          <dl class="facts">
            <dt>Runs</dt>
            <dd>
              {s.instance} / {s.operation}
            </dd>
            <dt>When</dt>
            <dd>{timingOf(s)}</dd>
            <dt>State</dt>
            <dd>
              <Badge value={s.paused ? 'paused' : 'running'} /> <small class="muted">declared by {s.source}</small>
            </dd>
            <dt>Policies</dt>
            <dd>
              overlap {s.policy.overlap}, missed runs {s.policy.missed}
              {s.policy.missed === 'catch-up' ? ` (up to ${s.policy.catchUpLimit})` : ''}, jitter{' '}
              {ms(s.policy.jitterMs)}, deadline {s.policy.deadlineMs ? ms(s.policy.deadlineMs) : 'none'}
            </dd>
            {s.description ? (
              <>
                <dt>Description</dt>
                <dd>{s.description}</dd>
              </>
            ) : null}
          </dl>
          <div class="actions">
            {props.can('admin:operate') ? <Actions schedule={s} act={act} /> : null}
            <button
              type="button"
              class="ghost"
              onClick={() => {
                schedule.reload();
                runs.reload();
              }}
            >
              Refresh
            </button>
          </div>
          <h3>Next fire times</h3>
          <FireTimes times={s.next} paused={s.paused} />
          <h3>Run history</h3>
          <ListState loading={runs.loading} count={history.length} empty={<p class="muted">No run yet.</p>}>
            <Table
              caption="Runs of this schedule, newest first"
              columns={['Fire time', 'Outcome', 'Job', 'Lag to start']}
            >
              {history.map((r) => (
                <tr key={r.fireAt} data-run={r.fireAt}>
                  <td>{when(r.fireAt)}</td>
                  <td>
                    <Badge value={r.outcome} />
                  </td>
                  <td>
                    {r.jobId ? (
                      <>
                        <JobLink id={r.jobId} /> {r.jobStatus ? <Badge value={r.jobStatus} /> : null}
                      </>
                    ) : (
                      <span class="muted">{r.detail ? JSON.stringify(r.detail) : '—'}</span>
                    )}
                  </td>
                  <td>{ms(r.lagMs)}</td>
                </tr>
              ))}
            </Table>
          </ListState>
          <h3>
            Input <small>(masked)</small>
          </h3>
          <Json value={s.input} label="Schedule input" />
        </>
      ) : (
        <p class="muted">Loading…</p>
      )}
    </Drawer>
  );
}
