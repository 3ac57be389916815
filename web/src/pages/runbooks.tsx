import { useState } from 'react';
import { api, qs, type Page } from '../api';
import type { MonitorRow } from '../components/monitor-table';
import { RunbookForm } from '../components/runbook-form';
import { RunbookBody, type Runbook } from '../components/runbooks';
import { SiteHead, useSite } from '../components/site-nav';
import { ErrorNote, Loading } from '../components/ui';
import { when } from '../format';
import { useAction, useLoad, usePanel } from '../hooks';
import { canEdit, useSession } from '../session';

interface Version {
  version: number;
  title: string;
  body: string;
  html: string;
  author: string;
  at: string;
}

/** Every version of a runbook, newest first; any one can be read as it was (rendered, and its Markdown). */
function Versions({ runbook }: { runbook: Runbook }) {
  const versions = useLoad((signal) => api<{ data: Version[] }>(`/runbooks/${runbook.id}/versions`, { signal }), [runbook.id, runbook.version]);
  const [shown, setShown] = useState<number | null>(null);
  if (versions.error) return <ErrorNote error={versions.error} />;
  if (!versions.data) return <Loading what="versions" />;
  const old = versions.data.data.find((v) => v.version === shown);
  return (
    <section aria-label={`Versions of ${runbook.title}`}>
      <ul className="plain small">
        {versions.data.data.map((v) => (
          <li key={v.version} data-version={v.version}>
            v{v.version} · {v.title} · {v.author} · {when(v.at)}{' '}
            <button type="button" aria-pressed={shown === v.version} onClick={() => setShown((s) => (s === v.version ? null : v.version))}>
              View v{v.version}
            </button>
          </li>
        ))}
      </ul>
      {old ? (
        <article className="card" aria-label={`Version ${old.version}`}>
          <h3>
            {old.title} <span className="muted small">v{old.version}</span>
          </h3>
          <RunbookBody html={old.html} />
          <details>
            <summary>Markdown of v{old.version}</summary>
            <pre>{old.body}</pre>
          </details>
        </article>
      ) : null}
    </section>
  );
}

/** A site's runbooks (its own and its monitors'): read, write in Markdown with a preview, each save a new version. */
export function RunbooksPage({ siteId }: { siteId: number }) {
  const { user } = useSession();
  const editable = canEdit(user);
  const site = useSite(siteId);
  const list = useLoad((signal) => api<{ data: Runbook[] }>(`/sites/${siteId}/runbooks`, { signal }), [siteId]);
  const monitors = useLoad((signal) => api<Page<MonitorRow>>(`/portfolio/monitors${qs({ siteId, limit: 1000 })}`, { signal }), [siteId]);
  const action = useAction();
  const panel = usePanel<'edit' | 'versions'>(list.reload);
  const monitorName = (id: number | null) => (id === null ? 'the whole site' : `monitor ${monitors.data?.data.find((m) => m.id === id)?.name ?? id}`);
  return (
    <main id="main" className="content">
      <SiteHead siteId={siteId} name={site.data?.name} title="Runbooks" add={editable ? { label: 'New runbook', onClick: panel.add } : null} />
      <p className="muted">What to do when something breaks. An incident shows the runbooks of its site and of its monitors.</p>
      <ErrorNote error={list.error ?? action.error} />
      {panel.adding ? <RunbookForm siteId={siteId} runbook={undefined} monitors={monitors.data?.data ?? []} onDone={panel.close} /> : null}
      {!list.data ? <Loading what="runbooks" /> : null}
      {list.data && !list.data.data.length ? <p className="empty">No runbooks yet.</p> : null}
      {list.data?.data.map((r) => {
        const here = panel.of(r.id);
        return (
          <article key={r.id} className="card" data-runbook={r.title} aria-label={`Runbook ${r.title}`}>
            <h2>
              {r.title} <span className="muted small">v{r.version}</span>
            </h2>
            <p className="muted small">
              For {monitorName(r.monitorId)} · last written by {r.author}, {when(r.updatedAt)}
            </p>
            {here === 'edit' ? <RunbookForm siteId={siteId} runbook={r} monitors={[]} onDone={panel.close} /> : <RunbookBody html={r.html} />}
            <div className="toolbar" role="group" aria-label={`Runbook ${r.title} actions`}>
              <button type="button" aria-expanded={here === 'versions'} onClick={() => panel.toggle('versions', r.id)}>
                Versions
              </button>
              {editable && here !== 'edit' ? (
                <>
                  <button type="button" onClick={() => panel.toggle('edit', r.id)}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() =>
                      confirm(`Delete the runbook “${r.title}” and all its versions?`) &&
                      action.run(() => api(`/runbooks/${r.id}`, { method: 'DELETE' }), panel.close)
                    }
                  >
                    Delete
                  </button>
                </>
              ) : null}
            </div>
            {here === 'versions' ? <Versions runbook={r} /> : null}
          </article>
        );
      })}
    </main>
  );
}
