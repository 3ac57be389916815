import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { Field, FormError, useSubmit } from '../components/form';
import type { Session } from '../session';

export function LoginPage({ onLoggedIn }: { onLoggedIn: (session: Session) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const { busy, error, submit, fieldError } = useSubmit();
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const session = await submit(() => api<Session>('/session', { method: 'POST', body: { email, password, ...(totp ? { totp } : {}) } }));
    if (session) onLoggedIn(session);
  };
  // The server names the two-factor code when it wants one; the field appears then (and stays while it holds a code).
  const needTotp = Boolean(totp) || Boolean(error?.details.some((d) => d.path === 'totp'));
  return (
    <main id="main" className="auth">
      <form onSubmit={(e) => void onSubmit(e)} className="card" aria-label="Log in">
        <h1>Log in to Upkeep</h1>
        <Field label="Email" error={fieldError('email')}>
          {(p) => <input {...p} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />}
        </Field>
        <Field label="Password" error={fieldError('password')}>
          {(p) => <input {...p} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        {needTotp ? (
          <Field label="Two-factor code (or a recovery code)" error={fieldError('totp')}>
            {(p) => <input {...p} inputMode="numeric" autoComplete="one-time-code" value={totp} onChange={(e) => setTotp(e.target.value)} />}
          </Field>
        ) : null}
        <FormError error={error} shown={['email', 'password', 'totp']} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
