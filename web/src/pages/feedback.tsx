import { useState } from 'react';
import { api, qs, type Page } from '../api';
import { feedbackStates, Triage } from '../components/feedback-triage';
import { WidgetSettings } from '../components/feedback-widget';
import { SiteHead, useSite } from '../components/site-nav';
import { ErrorNote, Loading } from '../components/ui';
import { ago } from '../format';
import { useDebounced, useLoad, useSettled } from '../hooks';
import { useLive } from '../live';
import { Link } from '../router';
import { canEdit, useSession } from '../session';

interface Report {
  id: number;
  siteId: number;
  state: (typeof feedbackStates)[number];
  wentWrong: boolean | null;
  rating: number | null;
  comment: string;
  email: string | null;
  pageUrl: string | null;
  userAgent: string | null;
  tags: string[];
  incidentId: number | null;
  createdAt: string;
  updatedAt: string;
}
interface RatingDay {
  day: string;
  reports: number;
  average: number | null;
}

const states = feedbackStates;

/** One site's feedback inbox: reports come in live; triage, tags and links to incidents for editors. */
export function FeedbackPage({ siteId }: { siteId: number }) {
  const { user } = useSession();
  const editable = canEdit(user);
  const [state, setState] = useState<string>('');
  const [search, setSearch] = useState('');
  const [tag, setTag] = useState('');
  const query = useSettled(search, 300);
  const list = useLoad(
    (signal) => api<Page<Report>>(`/sites/${siteId}/feedback${qs({ state, tag, q: query || undefined, limit: 100 })}`, { signal }),
    [siteId, state, tag, query],
  );
  const ratings = useLoad((signal) => api<{ data: RatingDay[] }>(`/sites/${siteId}/feedback-ratings?days=14`, { signal }), [siteId]);
  const site = useSite(siteId);
  const refresh = useDebounced(() => {
    list.reload();
    ratings.reload();
  }, 300);
  useLive((e) => e.type === 'feedback' && e.data.siteId === siteId && refresh());
  const incidents = useLoad(
    (signal) => api<Page<{ id: number; title: string; status: string }>>(`/incidents${qs({ siteId, limit: 100 })}`, { signal }),
    [siteId],
  );
  const rated = ratings.data?.data.filter((d) => d.average !== null) ?? [];
  return (
    <main id="main" className="content">
      <SiteHead siteId={siteId} name={site.data?.name} title="Feedback" />
      {rated.length ? (
        <p className="muted" aria-label="Ratings trend">
          Ratings, last 14 days: {rated.map((d) => `${d.day.slice(5)} ${d.average!.toFixed(1)} (${d.reports})`).join(' · ')}
        </p>
      ) : null}
      <WidgetSettings siteId={siteId} editable={editable} />
      <div className="toolbar" role="group" aria-label="Which reports">
        {[['', 'All'] as const, ...states.map((s) => [s, s] as const)].map(([v, label]) => (
          <button key={v} type="button" aria-pressed={state === v} onClick={() => setState(v)}>
            {label}
          </button>
        ))}
        <input type="search" aria-label="Search feedback" placeholder="Search" value={search} onChange={(e) => setSearch(e.target.value)} />
        {tag ? (
          <button type="button" aria-pressed onClick={() => setTag('')}>
            Tag {tag} ×<span className="sr-only"> (show every tag)</span>
          </button>
        ) : null}
      </div>
      <ErrorNote error={list.error} />
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
            </p>
            {r.tags.length ? (
              <p className="small" aria-label={`Tags of report ${r.id}`}>
                {r.tags.map((t) => (
                  <button key={t} type="button" className="tag" aria-pressed={tag === t} onClick={() => setTag(tag === t ? '' : t)}>
                    #{t}
                  </button>
                ))}
              </p>
            ) : null}
            {editable ? <Triage key={r.updatedAt} report={r} incidents={incidents.data?.data ?? []} onChanged={list.reload} /> : null}
          </li>
        ))}
      </ul>
    </main>
  );
}
