import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { Field, FormError, useSubmit } from '../components/form';
import { Link } from '../router';

/**
 * First run: the server printed /setup#<token>. The token stays in the fragment, so it never
 * reaches a log or a Referer; the owner account is made with it, then logged in.
 */
export function SetupPage({ onDone }: { onDone: () => void }) {
  const token = location.hash.slice(1);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit, fieldError } = useSubmit();
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const made = await submit(async () => {
      await api('/setup', { method: 'POST', body: { token, email, password } });
      return api('/session', { method: 'POST', body: { email, password } });
    });
    if (made) onDone();
  };
  return (
    <main id="main" className="auth">
      <form onSubmit={(e) => void onSubmit(e)} className="card" aria-label="Make the owner account">
        <h1>Welcome to Upkeep</h1>
        {token ? (
          <p>Make the owner account. It may do everything, including making other accounts.</p>
        ) : (
          <p className="error" role="alert">
            This page needs the link Upkeep printed when it started (it ends in <code>/setup#…</code>). Open that link, or <Link to="/login">log in</Link> if an
            account exists.
          </p>
        )}
        <Field label="Email" error={fieldError('email')}>
          {(p) => <input {...p} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />}
        </Field>
        <Field label="Password" error={fieldError('password')} hint="At least 12 characters; a passphrase is best.">
          {(p) => <input {...p} type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <FormError error={error} shown={['email', 'password']} />
        <button type="submit" className="primary" disabled={busy || !token}>
          {busy ? 'Making the account…' : 'Make the owner account'}
        </button>
      </form>
    </main>
  );
}
