import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { Field, FormError, useSubmit } from '../components/form';
import { Empty, ErrorNote, Loading, PageTitle, RevokeButton } from '../components/ui';
import { ago, ms } from '../format';
import { useAction, useLoad } from '../hooks';

interface Probe {
  id: number;
  name: string;
  location: string;
  tokenPrefix: string;
  health: 'never seen' | 'online' | 'silent' | 'revoked';
  lastSeenAt: string | null;
  version: string | null;
  lagMs: number | null;
  backlog: number | null;
  dropped: number | null;
}

const healthClass: Record<Probe['health'], string> = { online: 'status status-up', silent: 'status status-down', 'never seen': 'badge', revoked: 'badge' };

/**
 * The probes checking from other locations, with their health: heard from, version, lag, results waiting
 * and results lost to a full buffer (a warning: those checks never reached the server). Owners and admins
 * only, as in the API: a probe token runs checks with the monitors' secrets.
 */
export function ProbesPage() {
  const probes = useLoad((signal) => api<{ data: Probe[] }>('/probes', { signal }), []);
  const action = useAction();
  const [name, setName] = useState('');
  const [location, setLocation] = useState('');
  const [made, setMade] = useState<string | null>(null);
  const { busy, error, submit, fieldError } = useSubmit();
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const got = await submit(() => api<{ token: string }>('/probes', { method: 'POST', body: { name, location } }));
    if (got) {
      setMade(got.token);
      setName('');
      probes.reload();
    }
  };
  return (
    <main id="main" className="content">
      <PageTitle>Probes</PageTitle>
      <ErrorNote error={probes.error ?? action.error} />
      {!probes.data ? <Loading /> : null}
      {probes.data && !probes.data.data.length ? <Empty>No probe yet: make one below for a location declared in upkeep.yaml.</Empty> : null}
      <ul className="plain rows" aria-label="Probes">
        {probes.data?.data.map((p) => (
          <li key={p.id}>
            <strong>{p.name}</strong> <span className="badge">{p.location}</span> <span className={healthClass[p.health]}>{p.health}</span>{' '}
            {p.dropped ? (
              <span className="status status-degraded" title="Its buffer was full while it could not reach the server: these checks are lost">
                {p.dropped.toLocaleString()} results dropped
              </span>
            ) : null}{' '}
            <span className="muted small">
              seen {ago(p.lastSeenAt)} · version {p.version ?? '—'} · lag {ms(p.lagMs)} · waiting {p.backlog?.toLocaleString() ?? '—'}
            </span>{' '}
            {p.health === 'revoked' ? null : (
              <RevokeButton name={p.name} revoke={() => action.run(() => api(`/probes/${p.id}`, { method: 'DELETE' }), probes.reload)} />
            )}
          </li>
        ))}
      </ul>
      <form className="form card" onSubmit={(e) => void onSubmit(e)} aria-label="Make a probe">
        <div className="grid-3">
          <Field label="Name" error={fieldError('name')} hint="Which machine, e.g. stockholm-1.">
            {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
          </Field>
          <Field label="Location" error={fieldError('location')} hint="One declared under locations: in upkeep.yaml.">
            {(p) => <input {...p} value={location} onChange={(e) => setLocation(e.target.value)} required />}
          </Field>
        </div>
        <FormError error={error} shown={['name', 'location']} />
        <button type="submit" className="primary" disabled={busy}>
          Make probe
        </button>
      </form>
      {made ? (
        <div className="card" role="status">
          <p>
            <strong>Copy the token now:</strong> it is not shown again. Run the probe with <code>UPKEEP_PROBE_TOKEN=… upkeep probe --server …</code>.
          </p>
          <pre className="yaml" tabIndex={0}>
            {made}
          </pre>
        </div>
      ) : null}
    </main>
  );
}
