import { useState } from 'react';
import { api, qs, type Page } from '../api';
import { ErrorNote, Loading, PageTitle } from '../components/ui';
import { ago } from '../format';
import { useAction, useDebounced, useLoad, useSettled } from '../hooks';
import { useLive } from '../live';
import { Link } from '../router';
import { canEdit, useSession } from '../session';

interface Report {
  id: number;
  siteId: number;
  state: 'new' | 'triaged' | 'linked' | 'done';
  wentWrong: boolean | null;
  rating: number | null;
  comment: string;
  email: string | null;
  pageUrl: string | null;
  userAgent: string | null;
  tags: string[];
  incidentId: number | null;
  createdAt: string;
}
interface RatingDay {
  day: string;
  reports: number;
  average: number | null;
}
interface Widget {
  snippet: string;
  origins: string[];
}

const states = ['new', 'triaged', 'linked', 'done'] as const;

/** One site's feedback inbox: reports come in live; triage, tags and links to incidents for editors. */
export function FeedbackPage({ siteId }: { siteId: number }) {
  const { user } = useSession();
  const editable = canEdit(user);
  const [state, setState] = useState<string>('');
  const [search, setSearch] = useState('');
  const query = useSettled(search, 300);
  const list = useLoad(
    (signal) => api<Page<Report>>(`/sites/${siteId}/feedback${qs({ state, q: query || undefined, limit: 100 })}`, { signal }),
    [siteId, state, query],
  );
  const ratings = useLoad((signal) => api<{ data: RatingDay[] }>(`/sites/${siteId}/feedback-ratings?days=14`, { signal }), [siteId]);
  const widget = useLoad((signal) => api<Widget>(`/sites/${siteId}/feedback-widget`, { signal }).catch(() => null), [siteId]);
  const refresh = useDebounced(() => {
    list.reload();
    ratings.reload();
  }, 300);
  useLive((e) => e.type === 'feedback' && e.data.siteId === siteId && refresh());
  const action = useAction();
  const change = (id: number, body: object) => action.run(() => api(`/feedback/${id}`, { method: 'PATCH', body }), list.reload);
  const rated = ratings.data?.data.filter((d) => d.average !== null) ?? [];
  return (
    <main id="main" className="content">
      <p className="crumbs">
        <Link to={`/sites/${siteId}`}>Site</Link> /
      </p>
      <PageTitle>Feedback</PageTitle>
      {rated.length ? (
        <p className="muted" aria-label="Ratings trend">
          Ratings, last 14 days: {rated.map((d) => `${d.day.slice(5)} ${d.average!.toFixed(1)} (${d.reports})`).join(' · ')}
        </p>
      ) : null}
      {widget.data ? (
        <details>
          <summary>Embed the widget</summary>
          <pre className="small">{widget.data.snippet}</pre>
          <p className="muted small">Origins allowed: {widget.data.origins.join(', ') || 'none yet'}</p>
        </details>
      ) : null}
      <div className="toolbar" role="group" aria-label="Which reports">
        {[['', 'All'] as const, ...states.map((s) => [s, s] as const)].map(([v, label]) => (
          <button key={v} type="button" aria-pressed={state === v} onClick={() => setState(v)}>
            {label}
          </button>
        ))}
        <input type="search" aria-label="Search feedback" placeholder="Search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      <ErrorNote error={list.error ?? action.error} />
      {!list.data ? <Loading what="feedback" /> : null}
      {list.data && !list.data.data.length ? <p className="empty">No feedback here.</p> : null}
      <ul className="plain feedback-list">
        {list.data?.data.map((r) => (
          <li key={r.id} className="card" data-feedback={r.id}>
            <p>
              <strong>{r.state}</strong> · {ago(r.createdAt)}
              {r.wentWrong === null ? '' : r.wentWrong ? ' · something went wrong' : ' · nothing went wrong'}
              {r.rating === null ? '' : ` · rated ${r.rating}/5`}
              {r.incidentId ? (
                <>
                  {' · '}
                  <Link to={`/incidents/${r.incidentId}`}>incident {r.incidentId}</Link>
                </>
              ) : null}
            </p>
            {r.comment ? <p className="feedback-comment">{r.comment}</p> : null}
            <p className="muted small">
              {r.pageUrl ?? 'no page'}
              {r.email ? ` · ${r.email}` : ''}
              {r.tags.length ? ` · ${r.tags.join(', ')}` : ''}
            </p>
            {editable ? (
              <div className="toolbar" role="group" aria-label={`Triage report ${r.id}`}>
                {states
                  .filter((s) => s !== 'linked' && s !== r.state)
                  .map((s) => (
                    <button key={s} type="button" onClick={() => change(r.id, { state: s })}>
                      Mark {s}
                    </button>
                  ))}
                <button
                  type="button"
                  onClick={() => {
                    const tags = prompt('Tags (comma-separated)', r.tags.join(', '));
                    if (tags !== null)
                      change(r.id, {
                        tags: tags
                          .split(',')
                          .map((t) => t.trim())
                          .filter(Boolean),
                      });
                  }}
                >
                  Tags
                </button>
                <button
                  type="button"
                  onClick={() => {
                    const incident = prompt('Incident number');
                    if (incident) change(r.id, { incidentId: Number(incident) });
                  }}
                >
                  Link to incident
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </main>
  );
}
