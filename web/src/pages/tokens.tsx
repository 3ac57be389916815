import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { Field, FormError, useSubmit } from '../components/form';
import { ErrorNote, Loading, PageTitle, RevokeButton } from '../components/ui';
import { ago, when } from '../format';
import { useAction, useLoad } from '../hooks';

interface Token {
  id: number;
  name: string;
  prefix: string;
  scope: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** My API tokens: made here (shown once), revoked here. They act with my rights, limited to reading for read tokens. */
export function TokensPage() {
  const tokens = useLoad((signal) => api<{ data: Token[] }>('/tokens', { signal }), []);
  const action = useAction();
  const [name, setName] = useState('');
  const [scope, setScope] = useState('read');
  const [expiresIn, setExpiresIn] = useState('90d');
  const [made, setMade] = useState<string | null>(null);
  const { busy, error, submit, fieldError } = useSubmit();
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const got = await submit(() =>
      api<{ token: string }>('/tokens', { method: 'POST', body: { name, scope, ...(expiresIn.trim() ? { expiresIn: expiresIn.trim() } : {}) } }),
    );
    if (got) {
      setMade(got.token);
      setName('');
      tokens.reload();
    }
  };
  return (
    <main id="main" className="content">
      <PageTitle>API tokens</PageTitle>
      <form className="form card" onSubmit={(e) => void onSubmit(e)} aria-label="Make a token">
        <div className="grid-3">
          <Field label="Name" error={fieldError('name')} hint="What uses it, e.g. ci or grafana.">
            {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
          </Field>
          <Field label="Scope" error={fieldError('scope')}>
            {(p) => (
              <select {...p} value={scope} onChange={(e) => setScope(e.target.value)}>
                <option value="read">read</option>
                <option value="write">write</option>
              </select>
            )}
          </Field>
          <Field label="Expires in" error={fieldError('expiresIn')} hint="A duration like 90d; empty for never.">
            {(p) => <input {...p} value={expiresIn} onChange={(e) => setExpiresIn(e.target.value)} />}
          </Field>
        </div>
        <FormError error={error} shown={['name', 'scope', 'expiresIn']} />
        <button type="submit" className="primary" disabled={busy}>
          Make token
        </button>
      </form>
      {made ? (
        <div className="card" role="status">
          <p>
            <strong>Copy the token now:</strong> it is not shown again.
          </p>
          <pre className="yaml" tabIndex={0}>
            {made}
          </pre>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(made)}>
            Copy
          </button>
        </div>
      ) : null}
      <ErrorNote error={tokens.error ?? action.error} />
      {!tokens.data ? <Loading /> : null}
      <ul className="plain rows">
        {tokens.data?.data.map((t) => (
          <li key={t.id}>
            <strong>{t.name}</strong> <span className="badge">{t.scope}</span> <code>{t.prefix}…</code>{' '}
            <span className="muted small">
              made {when(t.createdAt)} · used {ago(t.lastUsedAt)}
              {t.expiresAt ? ` · expires ${when(t.expiresAt)}` : ''}
              {t.revokedAt ? ` · revoked ${when(t.revokedAt)}` : ''}
            </span>{' '}
            {t.revokedAt ? null : <RevokeButton name={t.name} revoke={() => action.run(() => api(`/tokens/${t.id}`, { method: 'DELETE' }), tokens.reload)} />}
          </li>
        ))}
      </ul>
    </main>
  );
}
