import { useEffect, useState } from 'react';
import { api, type Page } from '../api';
import { LocationChart, ResponseChart, UptimeBars, type LocationSeries, type SeriesBucket } from '../components/charts';
import { MonitorForm, type MonitorObject } from '../components/monitor-form';
import type { MonitorState } from '../components/monitor-table';
import { MonitorRunbooks } from '../components/runbooks';
import { ErrorNote, FromFile, Loading, NotLoaded, PageTitle, Status } from '../components/ui';
import { ago, ms, pct, when } from '../format';
import { useAction, useLoad } from '../hooks';
import { useLive } from '../live';
import { Link, navigate } from '../router';
import { canEdit, useSession } from '../session';
import { EventsList, ResultsList, type MonitorEventRow, type ResultRow } from './monitor-history';

interface LiveStatus extends MonitorState {
  /** Monitors checked from several locations: what each saw at the last check. */
  locations: { location: string; status: string; at: string | null; durationMs: number | null; message: string | null }[] | null;
}
interface Summary {
  checks: number;
  uptime: number | null;
  latency: { avg: number | null; p50: number | null; p95: number | null; p99: number | null };
  phases: Record<string, number> | null;
}

const chartWindows = [['1h', '1 hour']] as const;
const windows = [
  ['24h', '24 hours'],
  ['7d', '7 days'],
  ['30d', '30 days'],
  ['90d', '90 days'],
  ['365d', '1 year'],
] as const;
/** Probes' results are kept 7 days: longer windows show the last 7 days per location. */
const locationWindows = new Set(['1h', '24h', '7d']);

export function MonitorPage({ id }: { id: number }) {
  const { user } = useSession();
  const [range, setRange] = useState<string>('24h');
  const [editing, setEditing] = useState(false);
  const action = useAction();
  const monitor = useLoad((signal) => api<MonitorObject>(`/monitors/${id}`, { signal }), [id]);
  // A monitor made a moment ago is not in the engine yet: the status says so, and is read again shortly.
  const status = useLoad((signal) => api<LiveStatus>(`/monitors/${id}/status`, { signal }), [id]);
  const series = useLoad((signal) => api<{ bucketSeconds: number; data: SeriesBucket[] }>(`/monitors/${id}/series?window=${range}`, { signal }), [id, range]);
  const summaries = useLoad((signal) => Promise.all(windows.map(([w]) => api<Summary>(`/monitors/${id}/summary?window=${w}`, { signal }))), [id]);
  const events = useLoad((signal) => api<Page<MonitorEventRow>>(`/monitors/${id}/events?limit=20`, { signal }), [id]);
  const results = useLoad((signal) => api<Page<ResultRow>>(`/monitors/${id}/results?limit=30`, { signal }), [id]);
  const located = status.data?.locations != null;
  const locationWindow = locationWindows.has(range) ? range : '7d';
  const byLocation = useLoad(
    (signal) =>
      located
        ? api<{ locations: LocationSeries[] }>(`/monitors/${id}/locations/series?window=${locationWindow}`, { signal })
        : Promise.resolve({ locations: [] }),
    [id, located, locationWindow],
  );

  const refresh = () => {
    status.reload();
    series.reload();
    results.reload();
    byLocation.reload();
  };
  useLive((e) => {
    if (e.type === 'monitor' && e.data.monitorId === id) {
      refresh();
      events.reload();
      summaries.reload();
    }
  });
  // Results arrive between status changes too: the chart and the list follow every 5 s (every 2 s
  // while the engine has not loaded a new monitor yet); not at all for a monitor that is not there.
  const waiting = status.error !== undefined;
  const missing = monitor.error !== undefined;
  const { reload: reloadStatus } = status;
  const { reload: reloadSeries } = series;
  const { reload: reloadResults } = results;
  const { reload: reloadLocations } = byLocation;
  useEffect(() => {
    if (missing) return;
    const timer = globalThis.setInterval(
      () => {
        reloadStatus();
        reloadSeries();
        reloadResults();
        reloadLocations();
      },
      waiting ? 2_000 : 5_000,
    );
    return () => globalThis.clearInterval(timer);
  }, [waiting, missing, reloadStatus, reloadSeries, reloadResults, reloadLocations]);

  if (monitor.error || !monitor.data) return <NotLoaded error={monitor.error} what="monitor" />;
  const m = monitor.data;
  const editable = canEdit(user);
  const act = (call: () => Promise<unknown>) =>
    action.run(call, () => {
      monitor.reload();
      refresh();
    });
  const live = status.data;
  return (
    <main id="main" className="content">
      <p className="crumbs">
        <Link to="/">Overview</Link> / <Link to={`/sites/${m.siteId}`}>{m.site}</Link> /
      </p>
      <PageTitle
        actions={
          editable ? (
            <>
              <button type="button" onClick={() => act(() => api(`/monitors/${id}/check`, { method: 'POST' }))}>
                Check now
              </button>
              {m.managedBy === 'config' ? null : (
                <button type="button" onClick={() => act(() => api(`/monitors/${id}`, { method: 'PATCH', body: { paused: !m.paused } }))}>
                  {m.paused ? 'Resume' : 'Pause'}
                </button>
              )}
              <button type="button" onClick={() => setEditing((v) => !v)}>
                {editing ? 'Close editor' : 'Edit'}
              </button>
              {m.managedBy === 'config' ? null : (
                <button
                  type="button"
                  className="danger"
                  onClick={() =>
                    confirm(`Delete the monitor ${m.name} and its history?`) &&
                    action.run(
                      () => api(`/monitors/${id}`, { method: 'DELETE' }),
                      () => navigate(`/sites/${m.siteId}`),
                    )
                  }
                >
                  Delete
                </button>
              )}
            </>
          ) : null
        }
      >
        {m.name} <FromFile managedBy={m.managedBy} />
      </PageTitle>
      <p className="status-line" aria-live="polite" data-testid="monitor-status">
        {live ? (
          <>
            <Status value={live.status} /> since {ago(live.since)}
            {live.flapping ? <span className="badge">flapping</span> : null}
            {live.slow ? <span className="badge">{live.slow}</span> : null}
            <span className="muted">
              {' '}
              · last check {ago(live.lastCheckAt)}
              {live.lastMessage ? ` · ${live.lastMessage}` : ''}
            </span>
          </>
        ) : status.error ? (
          <span className="muted">{status.error.message}</span>
        ) : (
          <span className="muted">Loading…</span>
        )}
      </p>
      {live?.locations ? (
        <table className="data" aria-label="Locations">
          <thead>
            <tr>
              <th>Location</th>
              <th>Status</th>
              <th>Response time</th>
              <th>Last result</th>
            </tr>
          </thead>
          <tbody>
            {live.locations.map((l) => (
              <tr key={l.location}>
                <td>{l.location}</td>
                <td>
                  <Status value={l.status === 'unavailable' ? 'pending' : l.status}>{l.status}</Status>
                </td>
                <td>{ms(l.durationMs)}</td>
                <td className="muted small">
                  {ago(l.at)}
                  {l.message ? ` · ${l.message}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {typeof m.pingUrl === 'string' ? (
        // A secret: the API gives it only to those who may edit the site.
        <p className="small">
          Ping URL: <code>{m.pingUrl}</code> <span className="muted">(append /start or /fail; keep it secret)</span>
        </p>
      ) : null}
      <ErrorNote error={action.error} />
      {editing ? (
        <MonitorForm
          siteId={m.siteId}
          siteName={m.site}
          monitor={m}
          onSaved={() => {
            setEditing(false);
            monitor.reload();
          }}
          onCancel={() => setEditing(false)}
        />
      ) : null}
      <section aria-label="Figures" className="figures">
        {windows.map(([w, label], i) => {
          const s = summaries.data?.[i];
          return (
            <div key={w} className="figure">
              <span className="muted small">{label}</span>
              <strong>{pct(s?.uptime)}</strong>
              <span className="small">
                avg {ms(s?.latency.avg)} · p95 {ms(s?.latency.p95)}
              </span>
            </div>
          );
        })}
      </section>
      <div className="toolbar" role="group" aria-label="Chart window">
        {[...chartWindows, ...windows].map(([w, label]) => (
          <button key={w} type="button" aria-pressed={range === w} onClick={() => setRange(w)}>
            {label}
          </button>
        ))}
      </div>
      <MonitorRunbooks siteId={m.siteId} monitorId={id} />
      <h2>Response time</h2>
      <ErrorNote error={series.error} />
      {series.data ? <ResponseChart buckets={series.data.data} /> : <Loading what="the chart" />}
      {located ? (
        <section aria-label="Response time by location">
          <h2>Response time by location{locationWindow === range ? '' : ' (last 7 days)'}</h2>
          <ErrorNote error={byLocation.error} />
          {byLocation.data?.locations.length ? (
            <LocationChart locations={byLocation.data.locations} />
          ) : byLocation.data ? (
            <p className="muted">No probe has sent results for this monitor in this window.</p>
          ) : (
            <Loading what="the locations’ chart" />
          )}
        </section>
      ) : null}
      <h2>Uptime</h2>
      {series.data ? <UptimeBars buckets={series.data.data} bucketSeconds={series.data.bucketSeconds} /> : null}
      <div className="grid-2">
        <section>
          <h2>Events</h2>
          <EventsList events={events.data?.data} />
        </section>
        <section>
          <h2>Last results</h2>
          <ResultsList results={results.data?.data} />
        </section>
      </div>
      <p className="muted small">
        Created {when(m.createdAt as string)} · type {m.type}
      </p>
    </main>
  );
}
