import { useState } from 'preact/hooks';
import { api, type Me } from '../api.js';
import { Alert } from '../ui.js';

/** The login form. */
export function LoginPage(props: { onLogin(me: Me): void }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      props.onLogin(
        await api<Me>('POST', '/v1/admin/login', { name: form.get('name'), password: form.get('password') }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">relaykit console</h1>
        <p class="intro">
          Log in with a console user. The first one is made with{' '}
          <code>relaykit users add &lt;name&gt; --role admin</code>; the demo prints its login.
        </p>
        <label>
          User name
          <input name="name" autocomplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <Alert error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
