import { useState } from 'react';
import { api, qs, type Page } from '../api';
import { MonitorForm } from '../components/monitor-form';
import { MonitorTable, type MonitorRow } from '../components/monitor-table';
import { SiteRoutines } from '../components/routines';
import { SiteUpdates } from '../components/updates';
import { ObjectivesSection } from '../components/objectives';
import { TrendsSection } from '../components/trends';
import { SiteBook } from '../components/site-book';
import { SiteForm, type SiteObject } from '../components/site-form';
import { SiteSections } from '../components/site-nav';
import { ErrorNote, FromFile, Loading, NotLoaded, PageTitle, Status } from '../components/ui';
import { when } from '../format';
import { useAction, useDebounced, useLoad } from '../hooks';
import { useLive } from '../live';
import { Link, navigate, useLocation } from '../router';
import { canEdit, useSession } from '../session';
import { OwnerNote, pillarNames, PillarLine, type PortfolioSite } from './portfolio';
import { SetupGuide } from './setup-guide';

export function NewSitePage() {
  return (
    <main id="main" className="content narrow">
      <PageTitle>Add a site</PageTitle>
      <SiteForm onSaved={(site) => navigate(`/sites/${site.id}?setup=uptime#setup`)} onCancel={() => navigate('/')} />
    </main>
  );
}

interface Audit {
  id: number;
  categories: string[];
  status: string;
  startedAt: string;
  scores: Record<string, number>;
  grades: Record<string, string>;
  findings: unknown[];
}

export function SitePage({ id }: { id: number }) {
  const { user } = useSession();
  const { query } = useLocation();
  const setup = query.get('setup');
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState<{ name?: string; type?: 'heartbeat' } | null>(setup === 'uptime' ? {} : null);
  const site = useLoad((signal) => api<SiteObject>(`/sites/${id}`, { signal }), [id]);
  const portfolio = useLoad((signal) => api<{ data: PortfolioSite[] }>(`/portfolio${qs({ siteId: id })}`, { signal }), [id]);
  const monitors = useLoad((signal) => api<Page<MonitorRow>>(`/portfolio/monitors${qs({ siteId: id, limit: 1000 })}`, { signal }), [id]);
  const audits = useLoad((signal) => api<Page<Audit>>(`/sites/${id}/audits?limit=5`, { signal }), [id]);
  const refresh = useDebounced(() => {
    portfolio.reload();
    monitors.reload();
  }, 500);
  useLive((e) => e.data.siteId === id && refresh());
  const deleting = useAction();

  if (site.error || !site.data) return <NotLoaded error={site.error} what="site" />;
  const s = site.data;
  const row = portfolio.data?.data[0];
  const editable = canEdit(user);
  const remove = () => {
    if (!confirm(`Delete ${s.name} and all its monitors and history?`)) return;
    deleting.run(
      () => api(`/sites/${id}`, { method: 'DELETE' }),
      () => navigate('/'),
    );
  };
  return (
    <main id="main" className="content">
      <p className="crumbs">
        <Link to="/">Overview</Link> /
      </p>
      <PageTitle
        actions={
          editable ? (
            <>
              <button type="button" onClick={() => setEditing((v) => !v)}>
                {editing ? 'Close editor' : 'Edit site'}
              </button>
              <button type="button" className="primary" onClick={() => setAdding({})}>
                Add monitor
              </button>
              {s.managedBy === 'config' ? null : (
                <button type="button" className="danger" onClick={remove}>
                  Delete
                </button>
              )}
            </>
          ) : null
        }
      >
        {s.name} <FromFile managedBy={s.managedBy} />
      </PageTitle>
      <p className="muted">
        {s.url ? (
          <a href={s.url} rel="noreferrer noopener" target="_blank">
            {s.url}
          </a>
        ) : (
          'No URL'
        )}
        {s.tags.length ? ` · ${s.tags.join(', ')}` : ''}
      </p>
      <SiteSections siteId={id} />
      {row ? (
        <p>
          <OwnerNote site={row} />
        </p>
      ) : null}
      <ErrorNote error={deleting.error} title="The site was not deleted" />
      {editing ? (
        <SiteForm
          site={s}
          onSaved={() => {
            setEditing(false);
            site.reload();
          }}
          onCancel={() => setEditing(false)}
        />
      ) : null}
      {row?.incident ? (
        <p className="incident-banner">
          <Status value={row.incident.status} /> <Link to={`/incidents/${row.incident.id}`}>{row.incident.title}</Link> since {when(row.incident.openedAt)}
        </p>
      ) : null}
      <section aria-label="Health" className="pillars-block">
        {row ? pillarNames.map((p) => <PillarLine key={p} name={p} pillar={row.pillars[p]} siteId={id} />) : <Loading />}
      </section>
      {setup ? <SetupGuide pillar={setup} site={s} onAddMonitor={(preset) => setAdding(preset)} /> : null}
      {adding ? (
        <section className="card" aria-label="Add a monitor">
          <h2>Add a monitor</h2>
          <MonitorForm siteId={id} siteName={s.name} preset={adding} onSaved={(m) => navigate(`/monitors/${m.id}`)} onCancel={() => setAdding(null)} />
        </section>
      ) : null}
      <ObjectivesSection siteId={id} />
      <TrendsSection siteId={id} />
      <h2>Monitors</h2>
      <ErrorNote error={monitors.error} />
      {monitors.data && !monitors.data.data.length ? <p className="empty">No monitors yet.</p> : null}
      {monitors.data?.data.length ? <MonitorTable rows={monitors.data.data} showSite={false} height="40vh" /> : null}
      <SiteUpdates siteId={id} editable={editable} />
      <SiteRoutines siteId={id} />
      <SiteBook siteId={id} editable={editable} />
      <h2>Audits</h2>
      <ErrorNote error={audits.error} />
      {audits.data && !audits.data.data.length ? <p className="empty">No audits yet{s.url ? '; they run on a schedule.' : ': the site needs a URL.'}</p> : null}
      <ul className="plain">
        {audits.data?.data.map((a) => (
          <li key={a.id}>
            {when(a.startedAt)} · {a.categories.join(', ')} · <Status value={a.status} />{' '}
            {Object.entries(a.grades)
              .map(([k, v]) => `${k} ${v}`)
              .concat(Object.entries(a.scores).map(([k, v]) => `${k} ${v}`))
              .join(' · ')}{' '}
            · {a.findings.length} findings ·{' '}
            <a href={`/api/v1/audits/${a.id}/report`} target="_blank" rel="noreferrer">
              report
            </a>
          </li>
        ))}
      </ul>
    </main>
  );
}
