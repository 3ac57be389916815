import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, onUnauthorized, setCsrfToken } from './api';
import { Shell } from './components/shell';
import { ErrorNote, Loading } from './components/ui';
import { startLive, stopLive } from './live';
import { BackupJobPage, BackupsPage } from './pages/backups';
import { ChannelsPage } from './pages/channels';
import { FeedbackPage } from './pages/feedback';
import { IncidentPage } from './pages/incident';
import { IncidentsPage } from './pages/incidents';
import { LoginPage } from './pages/login';
import { MaintenancePage } from './pages/maintenance';
import { MonitorPage } from './pages/monitor';
import { MonitorsPage } from './pages/monitors';
import { PlannedWorkPage } from './pages/planned-work';
import { PortfolioPage } from './pages/portfolio';
import { PrivacyPage } from './pages/privacy-records';
import { ProbesPage } from './pages/probes';
import { RegisterPage } from './pages/register';
import { RoutinesPage } from './pages/routines';
import { RunbooksPage } from './pages/runbooks';
import { SettingsPage } from './pages/settings';
import { SetupPage } from './pages/setup';
import { NewSitePage, SitePage } from './pages/site';
import { StatusPagesPage } from './pages/status-pages';
import { TokensPage } from './pages/tokens';
import { UsersPage } from './pages/users';
import { ApprovalsPage } from './components/updates';
import { match, navigate, useLocation } from './router';
import { isAdmin, isGlobal, SessionContext, type Session, type User } from './session';

/** Who may open a page the menu does not offer everyone: the reason it is closed to the others, in their words. */
const reach = {
  instance: { may: isGlobal, why: 'This page is about the whole instance; your account sees only your team’s sites.' },
  admin: { may: isAdmin, why: 'Only admins and owners manage users, teams and probes.' },
};

const routes: [string, (p: Record<string, string>) => ReactNode, keyof typeof reach | null][] = [
  ['/', () => <PortfolioPage />, null],
  ['/monitors', () => <MonitorsPage />, null],
  ['/monitors/:id', (p) => <MonitorPage id={Number(p.id)} />, null],
  ['/sites/new', () => <NewSitePage />, null],
  ['/sites/:id', (p) => <SitePage id={Number(p.id)} />, null],
  ['/sites/:id/feedback', (p) => <FeedbackPage siteId={Number(p.id)} />, null],
  ['/sites/:id/routines', (p) => <RoutinesPage siteId={Number(p.id)} />, null],
  ['/sites/:id/runbooks', (p) => <RunbooksPage siteId={Number(p.id)} />, null],
  ['/sites/:id/register', (p) => <RegisterPage siteId={Number(p.id)} />, null],
  ['/sites/:id/privacy', (p) => <PrivacyPage siteId={Number(p.id)} />, null],
  ['/sites/:id/planned-work', (p) => <PlannedWorkPage siteId={Number(p.id)} />, null],
  ['/incidents', () => <IncidentsPage />, null],
  ['/updates/approvals', () => <ApprovalsPage />, null],
  ['/incidents/:id', (p) => <IncidentPage id={Number(p.id)} />, null],
  ['/backups', () => <BackupsPage />, null],
  ['/backups/:name', (p) => <BackupJobPage name={p.name!} />, null],
  ['/maintenance', () => <MaintenancePage />, 'instance'],
  ['/channels', () => <ChannelsPage />, 'instance'],
  ['/status-pages', () => <StatusPagesPage />, 'instance'],
  ['/tokens', () => <TokensPage />, null],
  ['/users', () => <UsersPage />, 'admin'],
  ['/probes', () => <ProbesPage />, 'admin'],
  ['/settings', () => <SettingsPage />, null],
];

function Routed({ path, user }: { path: string; user: User }) {
  for (const [pattern, render, only] of routes) {
    const params = match(pattern, path);
    if (!params) continue;
    if (only && !reach[only].may(user))
      return (
        <main id="main" className="content">
          <h1>Not for your account</h1>
          <p>{reach[only].why}</p>
        </main>
      );
    return <>{render(params)}</>;
  }
  return (
    <main id="main" className="content">
      <h1>Not found</h1>
      <p>There is no page at {path}.</p>
    </main>
  );
}

/** Finds out who is logged in; shows setup, login or the dashboard. */
export function App() {
  const { path } = useLocation();
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [bootError, setBootError] = useState<ApiError | null>(null);

  const refresh = useCallback(
    () =>
      api<Session>('/session').then(
        (session) => {
          setCsrfToken(session.csrfToken);
          setUser(session.user);
          setBootError(null);
        },
        (err: unknown) => {
          if (err instanceof ApiError && (err.status === 401 || err.status === 403)) setUser(null);
          else setBootError(err as ApiError);
        },
      ),
    [],
  );

  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => onUnauthorized(() => setUser(null)), []);
  useEffect(() => {
    if (user) startLive();
    else stopLive();
  }, [user]);

  const logout = useCallback(async () => {
    await api('/session', { method: 'DELETE' }).catch(() => undefined);
    setCsrfToken(null);
    setUser(null);
    navigate('/login');
  }, []);

  if (bootError) return <ErrorNote error={bootError} title="The dashboard could not start" />;
  if (user === undefined) return <Loading />;
  if (path === '/setup') return <SetupPage onDone={() => void refresh().then(() => navigate('/'))} />;
  if (!user)
    return (
      <LoginPage
        onLoggedIn={(session) => {
          setCsrfToken(session.csrfToken);
          setUser(session.user);
          if (path === '/login') navigate('/', { replace: true });
        }}
      />
    );
  return (
    <SessionContext.Provider value={{ user, refresh, logout }}>
      <Shell>
        <Routed path={path === '/login' ? '/' : path} user={user} />
      </Shell>
    </SessionContext.Provider>
  );
}
