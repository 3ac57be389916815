import { useCallback, useEffect, useRef, useState } from 'react';
import { api, qs, type Page } from '../api';
import { MonitorTable, type MonitorRow } from '../components/monitor-table';
import { ErrorNote, PageTitle } from '../components/ui';
import { useDebounced, useSettled } from '../hooks';
import { useLive } from '../live';

const PAGE = 200;
const statuses = ['', 'down', 'degraded', 'up', 'pending', 'paused', 'maintenance'];

/** Every monitor: searched and filtered on the server, paged as the list scrolls, drawn virtually. */
export function MonitorsPage() {
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const q = useSettled(search, 250);
  const [rows, setRows] = useState<MonitorRow[]>([]);
  const [page, setPage] = useState<Page<MonitorRow>['page'] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const busy = useRef(false);

  const load = useCallback(
    (limit: number, signal?: AbortSignal) =>
      api<Page<MonitorRow>>(`/portfolio/monitors${qs({ q, status, limit })}`, signal ? { signal } : {}).then(
        (got) => {
          setRows(got.data);
          setPage(got.page);
          setError(null);
        },
        (err: Error) => err.name !== 'AbortError' && setError(err),
      ),
    [q, status],
  );
  useEffect(() => {
    const abort = new AbortController();
    void load(PAGE, abort.signal);
    return () => abort.abort();
  }, [load]);
  const loadMore = useCallback(() => {
    if (!page?.nextCursor || busy.current) return;
    busy.current = true;
    api<Page<MonitorRow>>(`/portfolio/monitors${qs({ q, status, limit: PAGE, cursor: page.nextCursor })}`)
      .then((got) => {
        setRows((r) => [...r, ...got.data]);
        setPage(got.page);
      })
      .catch((err: unknown) => setError(err as Error))
      .finally(() => (busy.current = false));
  }, [page, q, status]);
  const refresh = useDebounced(() => void load(Math.min(1_000, Math.max(PAGE, rows.length))), 1_000);
  useLive((e) => e.type === 'monitor' && refresh());

  return (
    <main id="main" className="content">
      <PageTitle>Monitors</PageTitle>
      <div className="toolbar">
        <input
          type="search"
          placeholder="Search monitors or sites (press /)"
          aria-label="Search monitors"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <label>
          Status{' '}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
        {page ? <span className="muted">{page.total?.toLocaleString()} monitors</span> : null}
      </div>
      <ErrorNote error={error} />
      {page && !rows.length ? <p className="empty">No monitor matches.</p> : null}
      <MonitorTable rows={rows} showSite onNearEnd={page?.nextCursor ? loadMore : undefined} />
    </main>
  );
}
