import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { covers, type Occurrence } from '../incidents/maintenance.js';
import type { MaintenanceSpec } from '../incidents/incidents.schema.js';
import type { MonitorWithSite } from '../sites/sites.repository.js';
import type { StatusPageSpec } from './status-page.schema.js';
import { StatusPagesRepository } from './status-pages.repository.js';
import { withStatusTables, type UpdateStatus } from './tables.js';
import { addCounts, localDays, noCounts, type DailyUptime, type DayCounts } from './uptime.js';

export type ComponentStatus = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage' | 'under_maintenance';
export type Indicator = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';

export const HISTORY_DAYS = 90;
/** Past incidents listed on the page (feeds carry more). */
export const PAST_DAYS = 14;
export const MAINTENANCE_AHEAD = 30 * 86_400_000;

export interface ComponentModel {
  name: string;
  description: string | null;
  status: ComponentStatus;
  monitorIds: number[];
  /** One entry per local day, oldest first, today last. */
  days: { start: number; counts: DayCounts }[];
}

export interface UpdateModel {
  id: number;
  status: UpdateStatus;
  /** Markdown as written (rendered and sanitized by each view). */
  body: string;
  at: number;
}

export interface IncidentModel {
  id: number;
  /** A person's title for incidents opened by hand; null for incidents opened by monitors (views name the components). */
  title: string | null;
  impact: 'minor' | 'major' | 'critical';
  status: UpdateStatus;
  startedAt: number;
  resolvedAt: number | null;
  updatedAt: number;
  components: string[];
  /** Newest first. */
  updates: UpdateModel[];
}

export interface MaintenanceModel {
  name: string;
  description: string | null;
  start: number;
  end: number;
  active: boolean;
  components: string[];
}

export interface PageModel {
  id: number;
  spec: StatusPageSpec;
  generatedAt: number;
  indicator: Indicator;
  components: ComponentModel[];
  active: IncidentModel[];
  past: IncidentModel[];
  maintenance: MaintenanceModel[];
}

/** Where a page's facts come from: the database, the engine's live states (or the stored ones), and the maintenance calendar. */
export interface ModelSources {
  db: Kysely<Database>;
  status(monitorId: number): string | undefined;
  uptime: DailyUptime;
  upcoming(from: number, to: number): { name: string; spec: MaintenanceSpec; occurrence: Occurrence }[];
  now(): number;
}

/** A page's monitors: the ids each component stands for, and the rows of those monitors only. */
export interface PageMembers {
  byComponent: number[][];
  monitors: MonitorWithSite[];
}

/** Which monitors each component stands for (its "Site/Monitor" names, or every monitor of its site), out of every monitor. */
export function membersOf(spec: StatusPageSpec, monitors: readonly MonitorWithSite[]): PageMembers {
  const byComponent = spec.components.map((c) =>
    c.site !== undefined
      ? monitors.filter((m) => m.site_name === c.site).map((m) => m.id)
      : monitors.filter((m) => c.monitors!.includes(`${m.site_name}/${m.name}`)).map((m) => m.id),
  );
  const shown = new Set(byComponent.flat());
  return { byComponent, monitors: monitors.filter((m) => shown.has(m.id)) };
}

function componentStatus(statuses: (string | undefined)[]): ComponentStatus {
  const counted = statuses.filter((s) => s === 'up' || s === 'degraded' || s === 'down' || s === 'maintenance');
  const down = counted.filter((s) => s === 'down').length;
  if (down && down === counted.length) return 'major_outage';
  if (down) return 'partial_outage';
  if (counted.includes('degraded')) return 'degraded_performance';
  if (counted.includes('maintenance')) return 'under_maintenance';
  return 'operational';
}

function indicatorOf(components: readonly ComponentModel[]): Indicator {
  const has = (s: ComponentStatus) => components.some((c) => c.status === s);
  if (components.length && components.every((c) => c.status === 'major_outage')) return 'critical';
  if (has('major_outage')) return 'major';
  if (has('partial_outage') || has('degraded_performance')) return 'minor';
  if (has('under_maintenance')) return 'maintenance';
  return 'none';
}

/** The page's monitors an incident touches: through its monitors when monitors opened it, through its site otherwise (a person, an audit). */
export function touchedMonitors(
  incident: { id: number; origin: string; site_id: number },
  links: readonly { incident_id: number; monitor_id: number }[],
  monitors: readonly MonitorWithSite[],
  pageMonitors: ReadonlySet<number>,
): number[] {
  return incident.origin === 'auto'
    ? links.filter((l) => l.incident_id === incident.id && pageMonitors.has(l.monitor_id)).map((l) => l.monitor_id)
    : monitors.filter((m) => m.site_id === incident.site_id && pageMonitors.has(m.id)).map((m) => m.id);
}

/** The names of the components that stand for any of `monitorIds`. */
export function componentsOf(spec: StatusPageSpec, byComponent: readonly number[][], monitorIds: Iterable<number>): string[] {
  const set = new Set(monitorIds);
  return spec.components.filter((_, i) => byComponent[i]!.some((m) => set.has(m))).map((c) => c.name);
}

const impactOf = (severity: string): IncidentModel['impact'] => (severity === 'critical' ? 'critical' : severity === 'minor' ? 'minor' : 'major');

/**
 * Everything one page shows, from its own point of view: only its components' monitors count, an
 * incident appears when it touches them (through its monitors, or its site for incidents opened
 * by hand), and only updates meant for this page are kept. Nothing here is formatted: views do that.
 */
export async function buildPageModel(id: number, spec: StatusPageSpec, { byComponent, monitors }: PageMembers, sources: ModelSources): Promise<PageModel> {
  const now = sources.now();
  const starts = localDays(now, HISTORY_DAYS - 1, spec.timezone);
  const components: ComponentModel[] = [];
  for (const [i, c] of spec.components.entries()) {
    const ids = byComponent[i]!;
    const perMonitor = await Promise.all(ids.map((m) => sources.uptime.days(m, starts, now)));
    const days = starts.map((start, d) => ({
      start,
      counts: perMonitor.reduce((sum, list) => addCounts(sum, list[d]!), noCounts),
    }));
    components.push({ name: c.name, description: c.description ?? null, status: componentStatus(ids.map((m) => sources.status(m))), monitorIds: ids, days });
  }

  const pageMonitors = new Set(byComponent.flat());
  const siteIds = [...new Set(monitors.map((m) => m.site_id))];
  const repo = new StatusPagesRepository(withStatusTables(sources.db));
  const incidents = await repo.incidentsOf(siteIds, now - HISTORY_DAYS * 86_400_000);
  const links = await repo.incidentMonitors(incidents.map((i) => i.id));
  const updates = (await repo.updatesOf(incidents.map((i) => i.id))).filter((u) => u.pages === null || (JSON.parse(u.pages) as string[]).includes(spec.slug));

  const shown: IncidentModel[] = [];
  for (const incident of incidents) {
    const own = updates.filter((u) => u.incident_id === incident.id).map((u) => ({ id: u.id, status: u.status, body: u.body, at: u.at }));
    const touched = touchedMonitors(incident, links, monitors, pageMonitors);
    // Findings of audits, objectives' burn rates and vulnerable components are internal until someone writes to the public about them.
    if (!touched.length || (!own.length && (!spec.automaticIncidents || ['audit', 'objective', 'updates'].includes(incident.origin)))) continue;
    const resolved = incident.resolved_at !== null;
    shown.push({
      id: incident.id,
      title: incident.origin === 'auto' ? null : incident.title,
      impact: impactOf(incident.severity),
      status: resolved ? 'resolved' : (own[0]?.status ?? 'investigating'),
      startedAt: incident.opened_at,
      resolvedAt: incident.resolved_at,
      updatedAt: Math.max(incident.opened_at, incident.resolved_at ?? 0, own[0]?.at ?? 0),
      components: componentsOf(spec, byComponent, touched),
      updates: own,
    });
  }

  const maintenance = maintenanceOf(spec, { byComponent, monitors }, sources.upcoming(now, now + MAINTENANCE_AHEAD), now);

  return {
    id,
    spec,
    generatedAt: now,
    indicator: indicatorOf(components),
    components,
    active: shown.filter((i) => i.resolvedAt === null),
    past: shown.filter((i) => i.resolvedAt !== null),
    maintenance,
  };
}

/** The maintenance windows (occurrences) that cover any of the page's monitors. */
export function maintenanceOf(
  spec: StatusPageSpec,
  { byComponent, monitors }: PageMembers,
  windows: readonly { name: string; spec: MaintenanceSpec; occurrence: Occurrence }[],
  now: number,
): MaintenanceModel[] {
  return windows.flatMap((w) => {
    const hit = monitors.filter((m) =>
      covers(w.spec, { site: m.site_name, key: `${m.site_name}/${m.name}`, tags: [...tagsOf(m.spec), ...tagsOf(m.site_spec)] }),
    );
    if (!hit.length) return [];
    const { start, end } = w.occurrence;
    return [
      {
        name: w.name,
        description: w.spec.description ?? null,
        start,
        end,
        active: start <= now,
        components: componentsOf(
          spec,
          byComponent,
          hit.map((m) => m.id),
        ),
      },
    ];
  });
}

const tagsOf = (json: string): string[] => (JSON.parse(json) as { tags?: string[] }).tags ?? [];
