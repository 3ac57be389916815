import { ms, pct, ago } from '../format';
import { Link } from '../router';
import { FromFile, Status } from './ui';
import { VirtualList } from './virtual-list';

/** A monitor's state as the server keeps it live: in lists, on its page and in live updates alike. */
export interface MonitorState {
  status: string;
  since: string;
  flapping: boolean;
  slow: string | null;
  lastCheckAt: string | null;
  lastMessage: string | null;
}

export interface MonitorRow extends MonitorState {
  id: number;
  name: string;
  siteId: number;
  site: string;
  type: string;
  managedBy: string;
  checks: number;
  uptime: number | null;
  avgLatency: number | null;
}

/** Monitors as rows: status, name, site, 24 h uptime and latency, the last message. Virtual, so any number fits. */
export function MonitorTable({
  rows,
  showSite,
  onNearEnd,
  height,
}: {
  rows: readonly MonitorRow[];
  showSite: boolean;
  onNearEnd?: (() => void) | undefined;
  height?: string;
}) {
  return (
    <>
      <div className="monitor-row head" aria-hidden="true">
        <span>Status</span>
        <span>Monitor</span>
        <span>Uptime 24h</span>
        <span>Avg 24h</span>
        <span>Last check</span>
      </div>
      <VirtualList
        label="Monitors"
        items={rows}
        rowHeight={52}
        keyOf={(m) => m.id}
        onNearEnd={onNearEnd}
        height={height ?? '60vh'}
        render={(m) => (
          <div className="monitor-row" data-monitor={m.name}>
            <span>
              <Status value={m.status} />
              {m.flapping ? <span className="badge">flapping</span> : null}
            </span>
            <span className="ellipsis">
              <Link to={`/monitors/${m.id}`}>{m.name}</Link> <span className="muted small">{m.type}</span> <FromFile managedBy={m.managedBy} />
              {showSite ? <span className="muted small"> · {m.site}</span> : null}
            </span>
            <span>{pct(m.uptime)}</span>
            <span>{ms(m.avgLatency)}</span>
            <span className="ellipsis muted small" title={m.lastMessage ?? ''}>
              {ago(m.lastCheckAt)}
              {m.lastMessage ? ` · ${m.lastMessage}` : ''}
            </span>
          </div>
        )}
      />
    </>
  );
}
