import type { Kysely } from 'kysely';
import type { AuditService } from '../audits/audit.service.js';
import type { Database } from '../db/types.js';
import type { MaintenanceCalendar } from '../incidents/maintenance.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import { wallClock } from '../lib/time.js';
import type { ResultStore } from '../monitoring/results.service.js';
import type { Monitor, Site, SitesService } from '../sites/sites.service.js';
import { evaluate, type ObjectiveStatus } from './evaluate.js';
import { Measurer } from './measure.js';
import { ObjectivesRepository } from './objectives.repository.js';
import type { ObjectiveDaysTable } from './tables.js';
import { siteTrends, type SiteTrends } from './trends.js';

/** Raises or resolves a site's burn-rate incidents (incidents' notifier, wired by the runtime). */
export type AlertSink = (site: Site, statuses: readonly ObjectiveStatus[]) => Promise<void>;

const DAY = 86_400_000;

/** The calendar day of `at` in `timezone`, as YYYY-MM-DD. */
export const dayIn = (at: number, timezone: string) => new Date(wallClock(at, timezone)).toISOString().slice(0, 10);

/**
 * Objectives' use cases: where a site's objectives stand now, their budget history, and the
 * scheduled evaluation of every site (history rows and burn-rate alerts).
 */
export class ObjectivesService {
  private readonly repo: ObjectivesRepository;
  private repeating: Repeating | undefined;

  constructor(
    db: Kysely<Database>,
    private readonly sites: SitesService,
    private readonly store: ResultStore,
    private readonly calendar: MaintenanceCalendar | undefined,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly alerts: AlertSink = async () => {},
    /** For goals from audits (performance, LCP, security grade, third parties). */
    private readonly audits?: AuditService,
  ) {
    this.repo = new ObjectivesRepository(db);
  }

  /** Every monitor of a site. */
  async monitorsOf(siteId: number): Promise<Monitor[]> {
    const all: Monitor[] = [];
    for (let afterId: number | undefined; ;) {
      const page = await this.sites.listMonitors({ siteId, limit: 1_000, afterId });
      all.push(...page.items);
      if (!page.nextCursor) return all;
      afterId = Number(page.nextCursor);
    }
  }

  private async measure(
    targets: readonly { site: Site; monitors: Monitor[] }[],
    now: number,
    period?: { from: number; to: number },
  ): Promise<ObjectiveStatus[][]> {
    const measurer = new Measurer(
      this.store,
      this.calendar,
      targets.flatMap((t) => t.monitors.map((m) => m.id)),
    );
    const out: ObjectiveStatus[][] = [];
    for (const { site, monitors } of targets) {
      const statuses: ObjectiveStatus[] = [];
      for (const spec of site.spec.objectives ?? []) statuses.push(await evaluate(measurer, site, monitors, spec, now, period, this.audits));
      out.push(statuses);
    }
    return out;
  }

  /** Where a site's objectives stand now (nothing is written). */
  async forSite(site: Site): Promise<ObjectiveStatus[]> {
    if (!site.spec.objectives?.length) return [];
    const [statuses] = await this.measure([{ site, monitors: await this.monitorsOf(site.id) }], this.clock.now());
    return statuses!;
  }

  /** Where a site's objectives stood over a past period (a report's month): attainment and budget, no burn rates. */
  async over(site: Site, monitors: readonly Monitor[], from: number, to: number): Promise<ObjectiveStatus[]> {
    if (!site.spec.objectives?.length) return [];
    const [statuses] = await this.measure([{ site, monitors: [...monitors] }], to, { from, to });
    return statuses!;
  }

  /**
   * A site's last `months` calendar months in `timezone` (by default that of its first objective
   * measured per calendar month, else UTC): objectives per month, response times, audit scores.
   */
  async trends(site: Site, months: number, timezone?: string): Promise<SiteTrends> {
    const zone = timezone ?? site.spec.objectives?.find((o) => o.period === 'month')?.timezone ?? 'UTC';
    const sources = { over: this.over.bind(this), store: this.store, audits: this.audits };
    return siteTrends(sources, site, await this.monitorsOf(site.id), months, zone, this.clock.now());
  }

  /** A site's daily budget rows of the last `days` days (UTC dates; each row's day is in its objective's time zone). */
  history(siteId: number, days: number): Promise<ObjectiveDaysTable[]> {
    return this.repo.days(siteId, dayIn(this.clock.now() - days * DAY, 'UTC'));
  }

  /** Evaluates every site's objectives: writes the day's row of each and raises or resolves burn-rate alerts. */
  async evaluateAll(): Promise<void> {
    const now = this.clock.now();
    const targets: { site: Site; monitors: Monitor[] }[] = [];
    for (const site of await this.sites.allSites()) if (site.spec.objectives?.length) targets.push({ site, monitors: await this.monitorsOf(site.id) });
    const results = await this.measure(targets, now);
    for (const [i, { site }] of targets.entries()) {
      const statuses = results[i]!;
      for (const s of statuses)
        await this.repo.saveDay({
          site_id: site.id,
          objective: s.spec.name,
          day: dayIn(now, s.spec.timezone),
          checks: s.checks,
          failed: s.budget?.failed ?? 0,
          attainment: s.attainment,
          budget_remaining: s.budget?.remaining ?? null,
          met: s.met === null ? null : s.met ? 1 : 0,
          evaluated_at: now,
        });
      await this.alerts(site, statuses);
    }
  }

  /** Evaluates every `everyMs` (a run still going skips the next). */
  start(everyMs = 60_000): void {
    this.repeating = repeat(everyMs, () => this.evaluateAll(), { log: this.log, what: 'evaluating objectives' });
  }

  async stop(): Promise<void> {
    await this.repeating?.stop();
  }
}
