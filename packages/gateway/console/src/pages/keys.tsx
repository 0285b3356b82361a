import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { Answer, ApiKey } from '../types.js';
import { Alert, Badge, Empty, ListState, Notice, PageHeader, Table, useLoad, when } from '../ui.js';

/** API keys of the environment: create (the secret is shown once), revoke. */
export function KeysPage() {
  const keys = useLoad(() => api<Answer<'keys.list'>>('GET', '/v1/admin/keys'), []);
  const [secret, setSecret] = useState<{ id: string; secret: string }>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const scopes = String(data.get('scopes') || '*')
      .split(/[\s,]+/)
      .filter(Boolean);
    setError(undefined);
    try {
      const r = await api<Answer<'keys.create', 201>>('POST', '/v1/admin/keys', {
        name: String(data.get('name') || 'unnamed'),
        scopes,
      });
      setSecret({ id: r.key.id, secret: r.secret });
      form.reset();
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (key: ApiKey) => {
    if (!confirm(`Revoke key ${key.name} (${key.id})? Calls with it are refused within about a second.`)) return;
    setError(undefined);
    try {
      await api('DELETE', `/v1/admin/keys/${key.id}`);
      setNotice(`Key ${key.id} revoked.`);
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  const list = keys.data?.keys ?? [];
  return (
    <>
      <PageHeader title="API keys">
        Keys call the API for your environment. Scopes: <code>*</code> (every instance), <code>instance</code>,{' '}
        <code>instance:operation</code>, or operator permissions such as <code>admin:read</code>.
      </PageHeader>
      <form class="filters" onSubmit={create} aria-label="Create an API key">
        <label>
          Name
          <input name="name" required placeholder="crm-sync" />
        </label>
        <label>
          Scopes
          <input name="scopes" placeholder="* or instance:operation, space-separated" />
        </label>
        <div class="filter-actions">
          <button type="submit">Create key</button>
        </div>
      </form>
      {secret ? (
        <div class="secret" role="status">
          <p>
            <strong>Copy the secret of key {secret.id} now: it is shown only this once.</strong>
          </p>
          <code data-testid="new-secret">{secret.secret}</code>{' '}
          <button type="button" class="ghost" onClick={() => navigator.clipboard?.writeText(secret.secret)}>
            Copy
          </button>{' '}
          <button type="button" class="ghost" onClick={() => setSecret(undefined)}>
            Done
          </button>
        </div>
      ) : null}
      <Alert error={keys.error ?? error} />
      <Notice text={notice} />
      <ListState
        loading={keys.loading}
        count={list.length}
        empty={
          <Empty title="No API keys yet">
            Create one above; applications send it as “Authorization: Bearer &lt;key&gt;”.
          </Empty>
        }
      >
        <Table
          caption="API keys"
          columns={['Name', 'Id', 'Scopes', 'Created', 'Last used', 'State', <span class="sr-only">Actions</span>]}
        >
          {list.map((k) => (
            <tr key={k.id} data-key={k.id}>
              <th scope="row">{k.name}</th>
              <td>
                <code>{k.id}</code>
              </td>
              <td>{k.scopes.join(' ')}</td>
              <td>{when(k.createdAt)}</td>
              <td>{when(k.lastUsedAt)}</td>
              <td>
                <Badge value={k.revokedAt ? 'revoked' : 'active'} />
              </td>
              <td>
                {k.revokedAt ? null : (
                  <button type="button" class="danger" onClick={() => revoke(k)} aria-label={`Revoke key ${k.name}`}>
                    Revoke
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
