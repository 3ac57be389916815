import { useState, type FormEvent } from 'react';
import { api, setCsrfToken } from '../api';
import { Field, FormError, useSubmit } from '../components/form';
import { ErrorNote, PageTitle } from '../components/ui';
import { ago, when } from '../format';
import { useAction, useLoad } from '../hooks';
import { isAdmin, useSession } from '../session';

interface SessionRow {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  ip: string | null;
  userAgent: string | null;
}
interface Activity {
  id: number;
  at: string;
  actor: string;
  action: string;
  object: string | null;
  summary: string | null;
  ip: string | null;
}

/** My account (password, two-factor login, single sign-on, sessions) and, for admins, the activity log. */
export function SettingsPage() {
  const { user } = useSession();
  return (
    <main id="main" className="content">
      <PageTitle>Settings</PageTitle>
      <p className="muted">
        Signed in as {user.email} ({user.role}). The theme follows the system unless the header’s Theme button pins it.
      </p>
      <div className="grid-2">
        <PasswordForm />
        <TwoFactor />
      </div>
      <SingleSignOn />
      <Sessions />
      {isAdmin(user) ? <ActivityLog /> : null}
    </main>
  );
}

function PasswordForm() {
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, submit, fieldError } = useSubmit();
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const got = await submit(() => api<{ csrfToken: string }>('/account/password', { method: 'POST', body: { currentPassword, newPassword } }));
    if (got) {
      // Every session ended with the change; this one was renewed with a new CSRF token.
      setCsrfToken(got.csrfToken);
      setDone(true);
      setCurrent('');
      setNew('');
    }
  };
  return (
    <form className="form card" onSubmit={(e) => void onSubmit(e)} aria-label="Change password">
      <h2>Password</h2>
      <Field label="Current password" error={fieldError('currentPassword')}>
        {(p) => <input {...p} type="password" autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrent(e.target.value)} required />}
      </Field>
      <Field label="New password" error={fieldError('newPassword')} hint="At least 12 characters. Your other sessions end.">
        {(p) => <input {...p} type="password" autoComplete="new-password" value={newPassword} onChange={(e) => setNew(e.target.value)} required />}
      </Field>
      <FormError error={error} shown={['currentPassword', 'newPassword']} />
      {done ? <p role="status">Password changed; other sessions were ended.</p> : null}
      <button type="submit" disabled={busy}>
        Change password
      </button>
    </form>
  );
}

function TwoFactor() {
  const { user, refresh } = useSession();
  const [pending, setPending] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const { busy, error, submit, fieldError } = useSubmit();
  const start = async (e: FormEvent) => {
    e.preventDefault();
    const got = await submit(() => api<{ secret: string; uri: string }>('/account/totp', { method: 'POST', body: { password } }));
    if (got) {
      setPending(got);
      setPassword('');
    }
  };
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    const got = await submit(() => api<{ recoveryCodes: string[] }>('/account/totp/confirm', { method: 'POST', body: { code } }));
    if (got) {
      setCodes(got.recoveryCodes);
      setPending(null);
      await refresh();
    }
  };
  const disable = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await submit(() => api('/account/totp/disable', { method: 'POST', body: { password } }).then(() => true));
    if (ok) await refresh();
  };
  return (
    <section className="card form" aria-label="Two-factor login">
      <h2>Two-factor login</h2>
      {codes ? (
        <div role="status">
          <p>
            <strong>Two-factor login is on.</strong> Keep these recovery codes somewhere safe; each works once and they are not shown again:
          </p>
          <pre className="yaml">{codes.join('\n')}</pre>
        </div>
      ) : user.twoFactor ? (
        <form onSubmit={(e) => void disable(e)}>
          <p>Two-factor login is on.</p>
          <Field label="Password, to turn it off" error={fieldError('password')}>
            {(p) => <input {...p} type="password" value={password} onChange={(e) => setPassword(e.target.value)} required />}
          </Field>
          <button type="submit" disabled={busy}>
            Turn off
          </button>
        </form>
      ) : pending ? (
        <form onSubmit={(e) => void confirm(e)}>
          <p>Add this to your authenticator app, then type the code it shows.</p>
          <p className="small">
            Secret: <code>{pending.secret}</code>
          </p>
          <p className="small ellipsis">
            <a href={pending.uri}>{pending.uri}</a>
          </p>
          <Field label="Code" error={fieldError('code')}>
            {(p) => <input {...p} inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} required />}
          </Field>
          <button type="submit" className="primary" disabled={busy}>
            Turn on
          </button>
        </form>
      ) : (
        <form onSubmit={(e) => void start(e)}>
          <Field label="Password, to set it up" error={fieldError('password')}>
            {(p) => <input {...p} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />}
          </Field>
          <button type="submit" disabled={busy}>
            Set up two-factor login
          </button>
        </form>
      )}
      <FormError error={error} shown={['code', 'password']} />
    </section>
  );
}

/** Links this account to the instance's sign-on provider; shown only when one is configured (owners and admins can link no other way). */
function SingleSignOn() {
  const providers = useLoad((signal) => api<{ oidc: { label: string } | null }>('/session/providers', { signal }), []);
  const { busy, error, submit } = useSubmit();
  const linked = new URLSearchParams(window.location.search).get('sso') === 'linked';
  const oidc = providers.data?.oidc;
  if (!oidc) return null;
  const link = () => void submit(() => api<{ url: string }>('/account/sso', { method: 'POST' })).then((got) => got && window.location.assign(got.url));
  return (
    <section className="card form" aria-label="Single sign-on">
      <h2>Single sign-on</h2>
      {linked ? <p role="status">Your account is linked: you can log in with {oidc.label}.</p> : null}
      <p>Log in with {oidc.label} from now on: you confirm it there once, while logged in here.</p>
      <button type="button" onClick={link} disabled={busy}>
        Link with {oidc.label}
      </button>
      <FormError error={error} shown={[]} />
    </section>
  );
}

function Sessions() {
  const sessions = useLoad((signal) => api<{ data: SessionRow[] }>('/session/all', { signal }), []);
  const action = useAction();
  return (
    <section aria-label="Sessions">
      <h2>Sessions</h2>
      <ErrorNote error={sessions.error ?? action.error} />
      <ul className="plain rows">
        {sessions.data?.data.map((s) => (
          <li key={s.id}>
            {s.current ? <span className="badge">this one</span> : null} {s.userAgent ?? 'unknown browser'}{' '}
            <span className="muted small">
              from {s.ip ?? '?'} · since {when(s.createdAt)} · last seen {ago(s.lastSeenAt)}
            </span>{' '}
            {s.current ? null : (
              <button type="button" onClick={() => action.run(() => api(`/session/all/${s.id}`, { method: 'DELETE' }), sessions.reload)}>
                End
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function ActivityLog() {
  const activity = useLoad((signal) => api<{ data: Activity[] }>('/activity?limit=50', { signal }), []);
  return (
    <section aria-label="Activity log">
      <h2>Activity</h2>
      <p>
        <a href="/api/v1/activity/export?format=csv">Export as CSV</a> · <a href="/api/v1/activity/export?format=jsonl">as JSON lines</a>
      </p>
      <ErrorNote error={activity.error} />
      <ul className="plain small">
        {activity.data?.data.map((a) => (
          <li key={a.id}>
            {when(a.at)} · {a.actor} · {a.summary ?? a.action}
            {a.ip ? <span className="muted"> · {a.ip}</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
