import { useState } from 'react';
import { api, qs, type Page } from '../api';
import { ErrorNote, Loading, PageTitle, Status } from '../components/ui';
import { VirtualList } from '../components/virtual-list';
import { ago, span } from '../format';
import { useDebounced, useLoad } from '../hooks';
import { useLive } from '../live';
import { Link } from '../router';

export interface Incident {
  id: number;
  siteId: number;
  title: string;
  severity: string;
  status: string;
  origin: string;
  summary: string;
  owner: string | null;
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvesAt: string | null;
  durations: { toAcknowledge: number | null; toResolve: number | null };
  escalation: { policy: string; step: number; nextAt: string | null } | null;
  postmortem: { impact?: string; rootCause?: string; followUps?: string[] } | null;
}

/** Incidents, newest first; open ones come and go live. */
export function IncidentsPage() {
  const [status, setStatus] = useState<'open' | 'resolved' | ''>('open');
  const [more, setMore] = useState<Incident[]>([]);
  const list = useLoad(
    (signal) => {
      setMore([]);
      return api<Page<Incident>>(`/incidents${qs({ status, limit: 100 })}`, { signal });
    },
    [status],
  );
  const refresh = useDebounced(list.reload, 300);
  useLive((e) => e.type === 'incident' && refresh());
  const rows = [...(list.data?.data ?? []), ...more];
  const [cursor, setCursor] = useState<string | null>(null);
  const next = cursor ?? list.data?.page.nextCursor ?? null;
  const loadMore = () => {
    if (!next) return;
    void api<Page<Incident>>(`/incidents${qs({ status, limit: 100, cursor: next })}`).then((p) => {
      setMore((m) => [...m, ...p.data]);
      setCursor(p.page.nextCursor ?? '');
    });
  };
  return (
    <main id="main" className="content">
      <PageTitle>Incidents</PageTitle>
      <div className="toolbar" role="group" aria-label="Which incidents">
        {(
          [
            ['open', 'Open'],
            ['resolved', 'Resolved'],
            ['', 'All'],
          ] as const
        ).map(([v, label]) => (
          <button key={v} type="button" aria-pressed={status === v} onClick={() => setStatus(v)}>
            {label}
          </button>
        ))}
      </div>
      <ErrorNote error={list.error} />
      {!list.data ? <Loading what="incidents" /> : null}
      {list.data && !rows.length ? <p className="empty">{status === 'open' ? 'No open incidents. All is well.' : 'No incidents.'}</p> : null}
      <VirtualList
        label="Incidents"
        items={rows}
        rowHeight={56}
        keyOf={(i) => i.id}
        onNearEnd={next ? loadMore : undefined}
        render={(i) => (
          <div className="incident-row" data-incident={i.title}>
            <Status value={i.status} />
            <span className={`severity severity-${i.severity}`}>{i.severity}</span>
            <Link to={`/incidents/${i.id}`} className="ellipsis">
              {i.title}
            </Link>
            <span className="muted small">
              opened {ago(i.openedAt)}
              {i.owner ? ` · ${i.owner}` : ''}
              {i.durations.toResolve !== null ? ` · resolved in ${span(i.durations.toResolve)}` : ''}
            </span>
          </div>
        )}
      />
    </main>
  );
}
