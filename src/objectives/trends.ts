import type { AuditService, StoredAudit } from '../audits/audit.service.js';
import { auditCategories, scoreOfCategory, type AuditCategory } from '../audits/types.js';
import type { ResultStore } from '../monitoring/results.service.js';
import { wallClock } from '../lib/time.js';
import { monthOf } from '../lib/time.js';
import type { Monitor, Site } from '../sites/sites.service.js';
import type { ObjectiveStatus } from './evaluate.js';

/** One calendar month of a site's trends: [from, to), cut at `now` for the month under way. */
export interface TrendMonth {
  month: string;
  from: number;
  to: number;
  partial: boolean;
}

/** A monitor's month: checks, uptime and response-time percentiles (from the rollups' sketches). */
export interface MonitorMonth {
  checks: number;
  uptime: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** One audit run of a category: its scores and grades for that category only. */
export interface AuditRun {
  id: number;
  at: number;
  scores: Record<string, number>;
  grades: Record<string, string>;
}

export interface SiteTrends {
  timezone: string;
  months: TrendMonth[];
  /** Per objective, its status in each month (same order as `months`). */
  goals: { spec: ObjectiveStatus['spec']; months: ObjectiveStatus[] }[];
  monitors: { id: number; name: string; months: MonitorMonth[] }[];
  audits: { category: AuditCategory; runs: AuditRun[] }[];
}

/** What trends read: objectives over a period (the reports' measure), the result store, audits. */
export interface TrendSources {
  over(site: Site, monitors: readonly Monitor[], from: number, to: number): Promise<ObjectiveStatus[]>;
  store: ResultStore;
  audits: AuditService | undefined;
}

const monthIn = (at: number, timezone: string) => new Date(wallClock(at, timezone)).toISOString().slice(0, 7);

/** The last `count` calendar months in `timezone`, the one under way last. */
export function lastMonths(count: number, timezone: string, now: number): TrendMonth[] {
  const current = monthIn(now, timezone);
  const out: TrendMonth[] = [];
  for (let shift = 1 - count; shift <= 0; shift++) {
    const { from, to } = monthOf(current, timezone, shift);
    out.push({ month: monthIn(from, timezone), from, to: Math.min(to, now), partial: to > now });
  }
  return out;
}

/** The site's audits finished since `from`, oldest first (pages back through its history until one is older). */
async function auditsSince(audits: AuditService, siteId: number, from: number): Promise<StoredAudit[]> {
  const found: StoredAudit[] = [];
  const at = (a: StoredAudit) => Date.parse(a.finishedAt ?? a.startedAt);
  for (let before: number | undefined; ;) {
    const page = await audits.listAudits(siteId, { limit: 200, before });
    found.push(...page.items.filter((a) => at(a) >= from));
    if (!page.nextCursor || page.items.some((a) => at(a) < from)) break;
    before = Number(page.nextCursor);
  }
  return found.sort((a, b) => at(a) - at(b));
}

/** Per audit category, each run that finished it (done or partial, the category not failed) with that category's scores and grades. */
export async function auditRuns(audits: AuditService, siteId: number, from: number): Promise<SiteTrends['audits']> {
  const list = (await auditsSince(audits, siteId, from)).filter((a) => a.status === 'done' || a.status === 'partial');
  const pick = <T>(record: Record<string, T>, category: AuditCategory) =>
    Object.fromEntries(Object.entries(record).filter(([k]) => scoreOfCategory(k, category)));
  return auditCategories
    .map((category) => ({
      category,
      runs: list
        .filter((a) => a.categories.includes(category) && !a.errors[category])
        .map((a) => ({ id: a.id, at: Date.parse(a.finishedAt ?? a.startedAt), scores: pick(a.scores, category), grades: pick(a.grades, category) }))
        .filter((r) => Object.keys(r.scores).length + Object.keys(r.grades).length > 0),
    }))
    .filter((c) => c.runs.length > 0);
}

/**
 * A site's trends over the last calendar months: each objective measured over each month by the
 * code the monthly report uses, each monitor's checks, uptime and percentiles per month from the
 * result store (whole rollups, raw results only at the edges), and its audit scores run by run.
 */
export async function siteTrends(
  sources: TrendSources,
  site: Site,
  monitors: readonly Monitor[],
  months: number,
  timezone: string,
  now: number,
): Promise<SiteTrends> {
  const list = lastMonths(months, timezone, now);
  const perMonth: ObjectiveStatus[][] = [];
  for (const m of list) perMonth.push(await sources.over(site, monitors, m.from, m.to));
  const goals = (site.spec.objectives ?? []).map((spec, i) => ({ spec, months: perMonth.map((statuses) => statuses[i]!) }));
  const measured = [];
  for (const monitor of monitors.filter((m) => m.spec.type !== 'heartbeat')) {
    const row = { id: monitor.id, name: monitor.spec.name, months: [] as MonitorMonth[] };
    for (const m of list) {
      const s = await sources.store.summary(monitor.id, m.from, m.to);
      row.months.push({ checks: s.checks, uptime: s.uptime, p50: s.latency.p50, p95: s.latency.p95, p99: s.latency.p99 });
    }
    measured.push(row);
  }
  const audits = sources.audits ? await auditRuns(sources.audits, site.id, list[0]!.from) : [];
  return { timezone, months: list, goals, monitors: measured, audits };
}
