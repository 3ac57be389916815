import { useState, type FormEvent } from 'react';
import { api, type ApiError } from '../api';
import { Field, FormError, useSubmit } from '../components/form';
import { ErrorNote, Loading, PageTitle } from '../components/ui';
import { useLoad } from '../hooks';
import type { Role, User } from '../session';
import { commaList } from '../components/rows';

interface Team {
  id: number;
  name: string;
  tags: string[];
  sites: string[];
}
const roles: Role[] = ['viewer', 'editor', 'admin', 'owner'];
type Scope = User['scope'];
const scopes: [Scope, string][] = [
  ['instance', 'every site'],
  ['teams', 'its teams’ sites only'],
];
const adminRole = (role: Role) => role === 'admin' || role === 'owner';

/** Users and their roles, and teams (clients) with the sites they see. Admins and owners only. */
export function UsersPage() {
  const users = useLoad((signal) => api<{ data: User[] }>('/users', { signal }), []);
  const teams = useLoad((signal) => api<{ data: Team[] }>('/teams', { signal }), []);
  const [rowError, setRowError] = useState<ApiError | null>(null);
  const change = (id: number, body: unknown) =>
    api(`/users/${id}`, { method: 'PATCH', body }).then(
      () => users.reload(),
      (err: ApiError) => setRowError(err),
    );
  return (
    <main id="main" className="content">
      <PageTitle>Users</PageTitle>
      <ErrorNote error={users.error ?? teams.error ?? rowError} />
      {!users.data ? <Loading /> : null}
      <ul className="plain rows">
        {users.data?.data.map((u) => (
          <li key={u.id}>
            <strong>{u.email}</strong> {u.name ? <span className="muted">{u.name}</span> : null} {u.twoFactor ? <span className="badge">2FA</span> : null}
            {u.disabled ? <span className="badge">disabled</span> : null}{' '}
            <label>
              role{' '}
              <select value={u.role} onChange={(e) => void change(u.id, { role: e.target.value })}>
                {roles.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </label>{' '}
            <label>
              reaches{' '}
              <select
                value={u.scope}
                disabled={adminRole(u.role)}
                title={adminRole(u.role) ? 'Owners and admins reach every site' : undefined}
                onChange={(e) => void change(u.id, { scope: e.target.value })}
              >
                {scopes.map(([s, label]) => (
                  <option key={s} value={s}>
                    {label}
                  </option>
                ))}
              </select>
            </label>{' '}
            <span className="muted small">
              {u.teams.map((t) => `${t.team} (${t.role})`).join(', ') || (u.scope === 'teams' && !adminRole(u.role) ? 'no team: sees nothing' : '')}
            </span>{' '}
            <button type="button" onClick={() => void change(u.id, { disabled: !u.disabled })}>
              {u.disabled ? 'Enable' : 'Disable'}
            </button>
          </li>
        ))}
      </ul>
      <NewUser teams={teams.data?.data ?? []} onMade={users.reload} />
      <h2>Teams</h2>
      <p className="muted">A team (a client) sees the sites carrying one of its tags, or named; its members act there with their role in the team.</p>
      <ul className="plain rows">
        {teams.data?.data.map((t) => (
          <li key={t.id}>
            <strong>{t.name}</strong>{' '}
            <span className="muted small">
              tags: {t.tags.join(', ') || '—'} · sites: {t.sites.join(', ') || '—'}
            </span>
          </li>
        ))}
      </ul>
      <TeamForm onSaved={teams.reload} />
    </main>
  );
}

function NewUser({ teams, onMade }: { teams: Team[]; onMade: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [team, setTeam] = useState('');
  const [scope, setScope] = useState<Scope>('instance');
  const { busy, error, submit, fieldError } = useSubmit();
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const reach = adminRole(role) ? 'instance' : scope;
    const ok = await submit(() => api('/users', { method: 'POST', body: { email, password, role, scope: reach, teams: team ? [{ team, role }] : [] } }));
    if (ok !== undefined) {
      setEmail('');
      setPassword('');
      onMade();
    }
  };
  return (
    <form className="form card" onSubmit={(e) => void onSubmit(e)} aria-label="Add a user">
      <h2>Add a user</h2>
      <div className="grid-2">
        <Field label="Email" error={fieldError('email')}>
          {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />}
        </Field>
        <Field label="Password" error={fieldError('password')} hint="At least 12 characters; they can change it.">
          {(p) => <input {...p} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required />}
        </Field>
        <Field label="Role" error={fieldError('role')}>
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {roles.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Team" error={fieldError('teams')} hint="The team's sites, with the role above.">
          {(p) => (
            <select
              {...p}
              value={team}
              onChange={(e) => {
                setTeam(e.target.value);
                setScope(e.target.value ? 'teams' : 'instance');
              }}
            >
              <option value="">— none —</option>
              {teams.map((t) => (
                <option key={t.id}>{t.name}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Reaches" error={fieldError('scope')} hint="Limited to its teams, it sees nothing while it has none. Owners and admins reach every site.">
          {(p) => (
            <select {...p} value={adminRole(role) ? 'instance' : scope} disabled={adminRole(role)} onChange={(e) => setScope(e.target.value as Scope)}>
              {scopes.map(([s, label]) => (
                <option key={s} value={s}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <FormError error={error} shown={['email', 'password', 'role', 'teams', 'scope']} />
      <button type="submit" className="primary" disabled={busy}>
        Add user
      </button>
    </form>
  );
}

function TeamForm({ onSaved }: { onSaved: () => void }) {
  const [name, setName] = useState('');
  const [tags, setTags] = useState('');
  const [sites, setSites] = useState('');
  const { busy, error, submit, fieldError } = useSubmit();
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await submit(() =>
      api(`/teams/${encodeURIComponent(name.trim())}`, { method: 'PUT', body: { tags: commaList(tags), sites: commaList(sites) } }),
    );
    if (ok !== undefined) onSaved();
  };
  return (
    <form className="form card" onSubmit={(e) => void onSubmit(e)} aria-label="Make or change a team">
      <h2>Make or change a team</h2>
      <div className="grid-3">
        <Field label="Name" error={fieldError('name')}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
        </Field>
        <Field label="Tags" error={fieldError('tags')} hint="Comma-separated">
          {(p) => <input {...p} value={tags} onChange={(e) => setTags(e.target.value)} />}
        </Field>
        <Field label="Sites" error={fieldError('sites')} hint="Site names, comma-separated">
          {(p) => <input {...p} value={sites} onChange={(e) => setSites(e.target.value)} />}
        </Field>
      </div>
      <FormError error={error} shown={['name', 'tags', 'sites']} />
      <button type="submit" disabled={busy}>
        Save team
      </button>
    </form>
  );
}
