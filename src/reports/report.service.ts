import type { Kysely } from 'kysely';
import type { UsersService } from '../accounts/users.service.js';
import type { AuditService } from '../audits/audit.service.js';
import type { Database } from '../db/types.js';
import { feedbackSummary } from '../feedback/summary.js';
import { IncidentsRepository } from '../incidents/incidents.repository.js';
import type { MaintenanceCalendar } from '../incidents/maintenance.js';
import { AppError } from '../lib/errors.js';
import { monthOf } from '../lib/time.js';
import type { ResultStore } from '../monitoring/results.service.js';
import type { ObjectivesService } from '../objectives/objectives.service.js';
import type { Site, SitesService } from '../sites/sites.service.js';
import { InventoryService } from '../updates/inventory.service.js';
import type { Brand } from './brand.js';
import { formatReport, type ReportModel, type SiteFigures } from './format.js';
import type { Language } from './messages.js';
import { auditsOf, backupKindOf, backupsOf, drilledRecently, maintenanceDone, updatesOf } from './sources.js';

/** What a report covers: a team's sites (its tags and named sites) or one site, over a calendar month in a time zone. */
export interface ReportRequest {
  team?: string | undefined;
  site?: string | undefined;
  /** YYYY-MM */
  month: string;
  timezone: string;
  language?: Language | undefined;
  brand?: Brand | undefined;
}

/**
 * The monthly report's figures: per site its owner, goals met or missed with the budget left,
 * uptime and response times per monitor, the incidents of the month with their durations and
 * postmortems, maintenance done, update runs and pending updates, backups and restore drills,
 * audit scores and findings fixed or new, and the actions these call for. Every figure comes from
 * the same public queries the rest of Upkeep reads (results through the result store, objectives
 * through their service, audits and inventories through theirs).
 */
export class ReportService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sites: SitesService,
    private readonly users: UsersService,
    private readonly store: ResultStore,
    private readonly objectives: ObjectivesService,
    private readonly audits: AuditService,
    private readonly calendar: MaintenanceCalendar,
    private readonly clock: { now(): number },
  ) {}

  private async sitesOf(request: ReportRequest): Promise<{ title: string; sites: Site[] }> {
    if (request.site) {
      // One site of a fleet: read by its name, not found among every site (a report per site of 500 read 500 each).
      const site = await this.sites.findSite(request.site);
      if (!site) throw new AppError('not_found', `no site is named "${request.site}"`);
      return { title: site.spec.name, sites: [site] };
    }
    const team = (await this.users.teams()).find((t) => t.name === request.team) as { name: string; tags?: string[]; sites?: string[] } | undefined;
    if (!team) throw new AppError('not_found', `no team is named "${request.team}"`);
    const sites = (await this.sites.allSites()).filter((s) => team.sites?.includes(s.spec.name) || team.tags?.some((t) => s.spec.tags.includes(t)));
    return { title: team.name, sites };
  }

  async build(request: ReportRequest, now: number): Promise<{ model: ReportModel; siteIds: number[] }> {
    if (!request.team === !request.site) throw new AppError('invalid_input', 'a report is of a team or of a site: give one of them');
    const { from, to } = monthOf(request.month, request.timezone);
    const previous = monthOf(request.month, request.timezone, -1);
    const { title, sites } = await this.sitesOf(request);
    const incidents = new IncidentsRepository(this.db);
    const inventories = new InventoryService(this.db, this.clock);
    const figures: SiteFigures[] = [];
    for (const site of sites) {
      const monitors = await this.objectives.monitorsOf(site.id);
      const summaries = [];
      for (const m of monitors) if (!backupKindOf(m)) summaries.push({ name: m.spec.name, summary: await this.store.summary(m.id, from, to) });
      const siteIncidents = (await incidents.list({ siteId: site.id, limit: 1_000 })).filter(
        (i) => i.opened_at < to && (i.resolved_at === null || i.resolved_at >= from),
      );
      const backups = await backupsOf(this.store, monitors, from, to);
      figures.push({
        site,
        goals: await this.objectives.over(site, monitors, from, to),
        previousGoals: await this.objectives.over(site, monitors, previous.from, previous.to),
        monitors: summaries,
        incidents: siteIncidents.reverse(),
        maintenance: maintenanceDone(this.calendar, site, monitors, from, to),
        updates: await updatesOf(this.db, inventories, site.id, from, to),
        backups,
        drilled: backups.length ? await drilledRecently(this.store, monitors, Math.min(to, now)) : null,
        audits: await auditsOf(this.audits, site.id, from, to),
        feedback: {
          month: await feedbackSummary(this.db, site.id, from, to),
          before: await feedbackSummary(this.db, site.id, previous.from, previous.to),
        },
      });
    }
    const model = formatReport({
      title,
      month: request.month,
      timezone: request.timezone,
      language: request.language ?? 'en',
      brand: request.brand,
      from,
      to,
      generatedAt: now,
      sites: figures,
    });
    return { model, siteIds: sites.map((s) => s.id) };
  }
}
