import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import type { Answer } from '../types.js';
import { Alert, Badge, Empty, Json, ListState, Notice, PageHeader, Table, useLoad, when } from '../ui.js';
import type { PageProps } from './props.js';

/** Dead jobs and sync dead letters in one view: replay or discard (with a note) one or many. */
export function DeadLettersPage(props: PageProps) {
  const [kind, setKind] = useState('');
  const letters = useLoad(
    () =>
      api<Answer<'admin.deadLetters.list'>>(
        'GET',
        `/v1/admin/dead-letters${query({ kind: kind || undefined, limit: 200 })}`,
      ),
    [kind],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [shown, setShown] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const list = letters.data?.deadLetters ?? [];
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const all = list.length > 0 && list.every((l) => selected.has(l.id));
  const act = async (action: 'replay' | 'discard') => {
    const ids = [...selected];
    let note: string | null = null;
    if (action === 'discard') {
      note = prompt(`Why discard ${ids.length} dead letter(s)? (kept in the audit log)`);
      if (!note) return;
    }
    setError(undefined);
    try {
      const r = await api<{ replayed?: number; failed?: number; discarded?: number }>(
        'POST',
        `/v1/admin/dead-letters/${action}`,
        action === 'replay' ? { ids } : { ids, note },
      );
      setNotice(
        action === 'replay'
          ? `Replayed ${r.replayed ?? 0} dead letter(s)${r.failed ? `; ${r.failed} failed again` : ''}.`
          : `Discarded ${r.discarded ?? 0} dead letter(s).`,
      );
      setSelected(new Set());
      letters.reload();
    } catch (err) {
      setError(err);
    }
  };
  const operate = props.can('admin:operate');
  return (
    <>
      <PageHeader title="Dead letters">
        Jobs that used up their attempts and sync records that failed validation. Replay sends them through again.
      </PageHeader>
      <div class="filters">
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="">jobs and sync records</option>
            <option value="job">dead jobs</option>
            <option value="sync">sync records</option>
          </select>
        </label>
        {operate ? (
          <div class="filter-actions">
            <button type="button" disabled={!selected.size} onClick={() => act('replay')}>
              Replay selected ({selected.size})
            </button>
            <button type="button" class="danger" disabled={!selected.size} onClick={() => act('discard')}>
              Discard selected…
            </button>
          </div>
        ) : null}
      </div>
      <Alert error={letters.error ?? error} />
      <Notice text={notice} />
      <ListState
        loading={letters.loading}
        count={list.length}
        empty={
          <Empty title="No dead letters">
            Nothing is waiting for a decision. Jobs land here when every attempt failed; check the Errors page for
            groups of failures.
          </Empty>
        }
      >
        <Table
          caption="Dead letters"
          columns={[
            operate && (
              <input
                type="checkbox"
                aria-label="Select all dead letters"
                checked={all}
                onChange={() => setSelected(all ? new Set() : new Set(list.map((l) => l.id)))}
              />
            ),
            'Kind',
            'Where',
            'Reason',
            'When',
            'Payload',
          ]}
        >
          {list.map((l) => (
            <tr key={l.id} data-dead-letter={l.id}>
              {operate ? (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${l.id}`}
                    checked={selected.has(l.id)}
                    onChange={() => toggle(l.id)}
                  />
                </td>
              ) : null}
              <td>
                <Badge value={l.kind} />
              </td>
              <td>
                {l.instance} / {l.subject}
                {l.kind === 'job' ? (
                  <>
                    <br />
                    <a href={`#/jobs?job=${l.id}`}>{l.id.slice(0, 12)}…</a>
                  </>
                ) : l.recordId ? (
                  <small class="muted"> record {l.recordId}</small>
                ) : null}
              </td>
              <td>
                {l.code ? <code>{l.code}</code> : null} {l.reason}
              </td>
              <td>{when(l.at)}</td>
              <td>
                <button type="button" class="link" onClick={() => setShown(shown === l.id ? undefined : l.id)}>
                  {shown === l.id ? 'Hide' : 'Show'}
                </button>
                {shown === l.id ? <Json value={l.payload} label={`Payload of ${l.id}`} /> : null}
              </td>
            </tr>
          ))}
        </Table>
      </ListState>
    </>
  );
}
