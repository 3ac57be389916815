import { toIso, type Clock } from '../lib/clock.js';
import type { MonitoringEngine } from '../monitoring/engine.js';
import type { Status } from '../monitoring/state-machine.js';

export interface MonitorListQuery {
  limit: number;
  cursor?: number | undefined;
  /** A case-insensitive part of the monitor's or its site's name. */
  q?: string | undefined;
  siteId?: number | undefined;
  status?: Status | undefined;
}

const DAY = 86_400_000;

/** Every status a monitor can show, in the order the dashboard counts them. */
export const monitorStatuses = ['up', 'degraded', 'down', 'pending', 'paused', 'maintenance'] as const satisfies readonly Status[];

/**
 * Every monitor with its live status and 24 h figures, searched and paged by id on the server: the
 * engine holds every monitor's state in memory, so a search over 10,000 is a loop, and the figures
 * come from one rollup query for the page.
 */
export async function listMonitorStates(engine: MonitoringEngine, clock: Clock, query: MonitorListQuery, visible: ReadonlySet<number> | 'all') {
  const needle = query.q?.trim().toLowerCase();
  const matches = [...engine.states()]
    .filter(([, rt]) => visible === 'all' || visible.has(rt.monitor.siteId))
    .filter(([, rt]) => query.siteId === undefined || rt.monitor.siteId === query.siteId)
    .filter(([, rt]) => !query.status || rt.state.status === query.status)
    .filter(([, rt]) => !needle || rt.monitor.spec.name.toLowerCase().includes(needle) || rt.monitor.siteName.toLowerCase().includes(needle))
    .sort(([a], [b]) => a - b);
  const rows = matches.filter(([id]) => id > (query.cursor ?? 0)).slice(0, query.limit);
  const now = clock.now();
  const figures = await engine.results.overview(
    now - DAY,
    now,
    rows.map(([id]) => id),
  );
  return {
    data: rows.map(([id, rt]) => ({
      id,
      name: rt.monitor.spec.name,
      siteId: rt.monitor.siteId,
      site: rt.monitor.siteName,
      type: rt.monitor.spec.type,
      managedBy: rt.monitor.managedBy,
      status: rt.state.status,
      since: toIso(rt.state.since),
      flapping: rt.state.flapping,
      slow: rt.state.slow,
      lastCheckAt: rt.state.lastCheckAt === null ? null : toIso(rt.state.lastCheckAt),
      lastMessage: rt.state.lastMessage,
      ...(figures.get(id) ?? { checks: 0, uptime: null, avgLatency: null }),
    })),
    page: { total: matches.length, limit: query.limit, nextCursor: rows.length === query.limit ? String(rows.at(-1)![0]) : null },
  };
}
