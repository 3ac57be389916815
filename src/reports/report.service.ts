import type { Kysely } from 'kysely';
import type { UsersService } from '../accounts/users.service.js';
import type { Database } from '../db/types.js';
import { feedbackSummary } from '../feedback/summary.js';
import { IncidentsRepository } from '../incidents/incidents.repository.js';
import { AppError } from '../lib/errors.js';
import { toIso } from '../lib/clock.js';
import { zonedToUtc } from '../lib/time.js';
import type { ResultStore } from '../monitoring/results.service.js';
import type { ObjectivesService } from '../objectives/objectives.service.js';
import type { Site, SitesService } from '../sites/sites.service.js';
import { formatReport, type ReportModel, type SiteFigures } from './format.js';

/** What a report covers: a team's sites (its tags and named sites) or one site, over a calendar month in a time zone. */
export interface ReportRequest {
  team?: string | undefined;
  site?: string | undefined;
  /** YYYY-MM */
  month: string;
  timezone: string;
}

/** [from, to) of a calendar month in a time zone (DST changes inside it included). */
export function monthOf(month: string, timezone: string): { from: number; to: number } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new AppError('invalid_input', `expected a month like "2026-11", got "${month}"`, { details: [{ path: 'month', message: 'expected YYYY-MM' }] });
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { from: zonedToUtc(Date.UTC(year, index, 1), timezone), to: zonedToUtc(Date.UTC(year, index + 1, 1), timezone) };
}

/** The month before a YYYY-MM month, as YYYY-MM. */
const monthBefore = (month: string) => {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${year - 1}-12` : `${year}-${String(m - 1).padStart(2, '0')}`;
};

/**
 * The monthly report's figures: per site its owner, goals met or missed with the budget left,
 * uptime and response times per monitor, and the incidents of the month with their durations. Every
 * figure comes from the same public queries the rest of Upkeep reads (results through the result
 * store, objectives through their service).
 */
export class ReportService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sites: SitesService,
    private readonly users: UsersService,
    private readonly store: ResultStore,
    private readonly objectives: ObjectivesService,
  ) {}

  private async sitesOf(request: ReportRequest): Promise<{ title: string; sites: Site[] }> {
    const all = await this.sites.allSites();
    if (request.site) {
      const site = all.find((s) => s.spec.name === request.site);
      if (!site) throw new AppError('not_found', `no site is named "${request.site}"`);
      return { title: site.spec.name, sites: [site] };
    }
    const team = (await this.users.teams()).find((t) => t.name === request.team) as { name: string; tags?: string[]; sites?: string[] } | undefined;
    if (!team) throw new AppError('not_found', `no team is named "${request.team}"`);
    const sites = all.filter((s) => team.sites?.includes(s.spec.name) || team.tags?.some((t) => s.spec.tags.includes(t)));
    return { title: team.name, sites };
  }

  async build(request: ReportRequest, now: number): Promise<ReportModel> {
    if (!request.team === !request.site) throw new AppError('invalid_input', 'a report is of a team or of a site: give one of them');
    const { from, to } = monthOf(request.month, request.timezone);
    const before = monthOf(monthBefore(request.month), request.timezone);
    const { title, sites } = await this.sitesOf(request);
    const incidents = new IncidentsRepository(this.db);
    const figures: SiteFigures[] = [];
    for (const site of sites) {
      const monitors = await this.objectives.monitorsOf(site.id);
      const summaries = [];
      for (const m of monitors) summaries.push({ name: m.spec.name, summary: await this.store.summary(m.id, from, to) });
      const siteIncidents = (await incidents.list({ siteId: site.id, limit: 1_000 })).filter(
        (i) => i.opened_at < to && (i.resolved_at === null || i.resolved_at >= from),
      );
      figures.push({
        site,
        goals: await this.objectives.over(site, monitors, from, to),
        monitors: summaries,
        incidents: siteIncidents.reverse(),
        feedback: { month: await feedbackSummary(this.db, site.id, from, to), before: await feedbackSummary(this.db, site.id, before.from, before.to) },
      });
    }
    return formatReport({ title, month: request.month, timezone: request.timezone, from, to, generatedAt: toIso(now), sites: figures }, now);
  }
}
