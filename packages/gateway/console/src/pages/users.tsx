import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { Answer } from '../types.js';
import { Alert, Empty, ListState, Notice, PageHeader, Table, useLoad, when } from '../ui.js';
import type { PageProps } from './props.js';

const ROLES = ['viewer', 'operator', 'admin'];

/** Console users of the environment: add, change role, remove. */
export function UsersPage(props: PageProps) {
  const users = useLoad(() => api<Answer<'listUsers'>>('GET', '/v1/admin/users'), []);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const run = async (fn: () => Promise<unknown>, done: string) => {
    setError(undefined);
    try {
      await fn();
      setNotice(done);
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  const add = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = Object.fromEntries(new FormData(form).entries());
    void run(
      async () => {
        await api('POST', '/v1/admin/users', data);
        form.reset();
      },
      `Added ${String(data.name)}.`,
    );
  };
  const list = users.data?.users ?? [];
  return (
    <>
      <PageHeader title="Users">
        Viewers read (payloads masked); operators also retry, cancel, replay and resolve; admins also manage keys and
        users and may reveal clear values.
      </PageHeader>
      <form class="filters" onSubmit={add} aria-label="Add a user">
        <label>
          Name
          <input name="name" required autocomplete="off" />
        </label>
        <label>
          Password
          <input name="password" type="password" minLength={8} required autocomplete="new-password" />
        </label>
        <label>
          Role
          <select name="role">
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <div class="filter-actions">
          <button type="submit">Add user</button>
        </div>
      </form>
      <Alert error={users.error ?? error} />
      <Notice text={notice} />
      <ListState
        loading={users.loading}
        count={list.length}
        empty={
          <Empty title="No users">Add one above, or from a shell: relaykit users add &lt;name&gt; --role admin.</Empty>
        }
      >
        <Table caption="Console users" columns={['Name', 'Role', 'Last login', <span class="sr-only">Actions</span>]}>
          {list.map((u) => (
            <tr key={u.id}>
              <th scope="row">
                {u.name}
                {u.lockedUntil ? <small> (locked until {when(u.lockedUntil)})</small> : null}
              </th>
              <td>
                <label class="sr-only" for={`role-${u.id}`}>
                  Role of {u.name}
                </label>
                <select
                  id={`role-${u.id}`}
                  value={u.role}
                  disabled={u.id === props.me.user.id}
                  onChange={(e) =>
                    run(
                      () => api('PATCH', `/v1/admin/users/${u.id}`, { role: (e.target as HTMLSelectElement).value }),
                      `${u.name} is now ${(e.target as HTMLSelectElement).value}.`,
                    )
                  }
                >
                  {ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>{when(u.lastLoginAt)}</td>
              <td>
                {u.id === props.me.user.id ? null : (
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Remove user ${u.name}`}
                    onClick={() =>
                      confirm(`Remove ${u.name}?`) &&
                      run(() => api('DELETE', `/v1/admin/users/${u.id}`), `Removed ${u.name}.`)
                    }
                  >
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </Table>
      </ListState>
    </>
  );
}
