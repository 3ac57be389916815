import { useState } from 'react';
import { api } from '../api';
import { PrivacyForm, type Records } from '../components/privacy-form';
import { SiteHead, useSite } from '../components/site-nav';
import { ErrorNote, Loading } from '../components/ui';
import { when } from '../format';
import { useAction, useLoad } from '../hooks';
import { canEdit, useSession } from '../session';

interface SiteRecords extends Records {
  cookies: { name: string; domain: string; lastSeen: string }[];
  thirdParties: (Records['thirdParties'][number] & { categories: string[]; lastSeen: string })[];
  tasks: { id: number; kind: string; summary: string; createdAt: string }[];
  reviewedAt: string | null;
}

/** A site's GDPR records: open tasks, what the privacy audits saw, the records themselves and their Art. 30 export. */
export function PrivacyPage({ siteId }: { siteId: number }) {
  const { user } = useSession();
  const editable = canEdit(user);
  const site = useSite(siteId);
  const records = useLoad((signal) => api<SiteRecords>(`/sites/${siteId}/privacy-records`, { signal }), [siteId]);
  const action = useAction();
  const [saved, setSaved] = useState(false);
  const g = records.data;
  const exportUrl = `/api/v1/sites/${siteId}/privacy-records/export`;
  return (
    <main id="main" className="content">
      <SiteHead siteId={siteId} name={site.data?.name} title="GDPR records">
        <a className="button" href={exportUrl} target="_blank" rel="noreferrer">
          Records of processing (HTML)
        </a>
        {editable ? (
          <button type="button" onClick={() => action.run(() => api(`/sites/${siteId}/privacy-records/review`, { method: 'POST' }), records.reload)}>
            Mark reviewed
          </button>
        ) : null}
      </SiteHead>
      <p className="muted">
        {g ? (g.reviewedAt ? `Last reviewed ${when(g.reviewedAt)}. ` : 'Never reviewed. ') : ''}
        The export is one page that stands alone: print it to PDF from the browser.
      </p>
      {saved ? <p role="status">Saved.</p> : null}
      <ErrorNote error={records.error ?? action.error} />
      {!g ? <Loading what="the records" /> : null}
      {g ? (
        <>
          <section aria-label="Open tasks">
            <h2>Open tasks</h2>
            {g.tasks.length ? null : <p className="empty">No open tasks.</p>}
            <ul className="plain rows">
              {g.tasks.map((t) => (
                <li key={t.id} data-privacy-task={t.id}>
                  {t.summary} <span className="muted small">· {when(t.createdAt)}</span>{' '}
                  {editable ? (
                    <button type="button" onClick={() => action.run(() => api(`/privacy-tasks/${t.id}/done`, { method: 'POST' }), records.reload)}>
                      Mark done
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          </section>
          <section aria-label="Seen by the privacy audits">
            <h2>Seen by the privacy audits</h2>
            {g.thirdParties.length || g.cookies.length ? null : <p className="empty">Nothing yet: the privacy audit fills this in.</p>}
            <ul className="plain small">
              {g.thirdParties.map((t) => (
                <li key={t.domain} data-third-party={t.domain}>
                  {t.domain}
                  {t.entity ? ` (${t.entity})` : ''}
                  {t.country ? ` · ${t.country}` : ''} · {t.documented ? 'in the records' : <strong className="overdue">not in the records</strong>}
                </li>
              ))}
              {g.cookies.map((c) => (
                <li key={`${c.domain}/${c.name}`}>
                  cookie {c.name} ({c.domain})
                </li>
              ))}
            </ul>
          </section>
          {editable ? (
            <PrivacyForm
              // A fresh form for each answer of the server.
              key={JSON.stringify(g)}
              siteId={siteId}
              records={g}
              onSaved={() => {
                setSaved(true);
                records.reload();
              }}
            />
          ) : (
            <section aria-label="Records">
              <h2>Processing activities</h2>
              <ul className="plain small">
                {g.purposes.map((p) => (
                  <li key={p.name}>
                    <strong>{p.name}</strong> ({p.legalBasis}) · {p.dataCategories.join(', ')} · {p.subjects.join(', ')}
                    {p.retention ? ` · kept ${p.retention}` : ''}
                  </li>
                ))}
              </ul>
              <h2>Processors</h2>
              <ul className="plain small">
                {g.processors.map((p) => (
                  <li key={p.name}>
                    <strong>{p.name}</strong> · {p.country} · DPA {p.dpa}
                    {p.purpose ? ` · ${p.purpose}` : ''}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      ) : null}
    </main>
  );
}
