import { useState } from 'react';
import { MonitorTable, type MonitorRow } from '../components/monitor-table';
import { ErrorNote, PageTitle } from '../components/ui';
import { useServerList, useSettled } from '../hooks';
import { useLive } from '../live';

const PAGE = 200;
const statuses = ['', 'down', 'degraded', 'up', 'pending', 'paused', 'maintenance'];

/** Every monitor: searched and filtered on the server, paged as the list scrolls, drawn virtually. */
export function MonitorsPage() {
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const q = useSettled(search, 250);
  const { rows, answer, error, loadMore, refresh } = useServerList<MonitorRow>('/portfolio/monitors', { q, status }, PAGE, 1_000);
  const page = answer?.page;
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
