import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken, whenUnauthenticated, type Me } from './api.js';
import { AuditPage } from './pages/audit.js';
import { DeadLettersPage } from './pages/dead-letters.js';
import { ErrorsPage } from './pages/errors.js';
import { InstancesPage } from './pages/instances.js';
import { JobsPage } from './pages/jobs.js';
import { KeysPage } from './pages/keys.js';
import { LoginPage } from './pages/login.js';
import { OverviewPage } from './pages/overview.js';
import { SchedulesPage } from './pages/schedules.js';
import { UsersPage } from './pages/users.js';
import './styles.css';

/** The pages, their hash routes and the permission each needs. */
const PAGES = [
  { path: 'overview', label: 'Overview', permission: 'admin:read', view: OverviewPage },
  { path: 'jobs', label: 'Jobs', permission: 'admin:read', view: JobsPage },
  { path: 'dead-letters', label: 'Dead letters', permission: 'admin:read', view: DeadLettersPage },
  { path: 'errors', label: 'Errors', permission: 'admin:read', view: ErrorsPage },
  { path: 'schedules', label: 'Schedules', permission: 'admin:read', view: SchedulesPage },
  { path: 'audit', label: 'Audit', permission: 'admin:read', view: AuditPage },
  { path: 'keys', label: 'Keys', permission: 'admin:keys', view: KeysPage },
  { path: 'instances', label: 'Instances', permission: 'admin:read', view: InstancesPage },
  { path: 'users', label: 'Users', permission: 'admin:users', view: UsersPage },
] as const;

const routeOf = () => location.hash.replace(/^#\/?/, '').split('?')[0] || 'overview';

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [route, setRoute] = useState(routeOf());
  const [hash, setHash] = useState(location.hash);

  useEffect(() => {
    whenUnauthenticated(() => setMe(null));
    api<Me>('GET', '/v1/admin/me').then(
      (m) => {
        setCsrfToken(m.csrfToken);
        setMe(m);
      },
      () => setMe(null),
    );
    const onHash = () => {
      setRoute(routeOf());
      setHash(location.hash);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    // Focus the new page's heading so screen readers announce it.
    document.getElementById('page-title')?.focus();
  }, [route, me]);

  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null)
    return (
      <LoginPage
        onLogin={(m) => {
          setCsrfToken(m.csrfToken);
          setMe(m);
        }}
      />
    );

  const can = (permission: string) => me.user.permissions.includes(permission);
  const pages = PAGES.filter((p) => can(p.permission));
  const page = pages.find((p) => p.path === route) ?? pages[0]!;
  const View = page.view;
  const logout = async () => {
    await api('POST', '/v1/admin/logout').catch(() => undefined);
    setMe(null);
  };
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">relaykit</span>
        <nav aria-label="Console">
          <ul>
            {pages.map((p) => (
              <li key={p.path}>
                <a href={`#/${p.path}`} aria-current={p === page ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
            <li>
              <a href="/docs">API docs</a>
            </li>
          </ul>
        </nav>
        <div class="who">
          <span>
            {me.user.name}{' '}
            <small>
              ({me.user.role}, {me.user.environment})
            </small>
          </span>
          <button type="button" class="ghost" onClick={logout}>
            Log out
          </button>
        </div>
      </header>
      <main id="main">
        <View key={hash} can={can} me={me} />
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
