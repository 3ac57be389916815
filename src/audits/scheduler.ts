import { Cron } from 'croner';
import type { Clock } from '../lib/clock.js';
import type { SitesService } from '../sites/sites.service.js';
import type { Logger } from '../lib/logger.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import type { AuditService, Regression, StoredAudit } from './audit.service.js';
import { schedulesFor, type AuditSchedule } from './config.js';
import { auditCategories, type AuditCategory } from './types.js';

/** When a category last run at `last` is next due; a site never audited is due within ten minutes, spread by id. */
export function nextDue(schedule: AuditSchedule, last: number | undefined, firstSeen: number, siteId: number): number | undefined {
  if (schedule === 'off') return undefined;
  if (last === undefined) return firstSeen + Math.floor(((siteId * 0.6180339887498949) % 1) * 600_000);
  if (typeof schedule === 'number') return last + schedule;
  return new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }).nextRun(new Date(last))?.getTime();
}

/**
 * Runs each site's audits on the schedules of `audits:` (per category: an interval, a cron time, or
 * off), one audit at a time — Chromium and Lighthouse are heavy — and hands each finished audit and
 * its regressions to `onAudit` (which raises incidents).
 */
export class AuditScheduler {
  private repeating: Repeating | undefined;
  private readonly firstSeen = new Map<number, number>();

  constructor(
    private readonly sites: Pick<SitesService, 'allSites'>,
    private readonly audits: AuditService,
    private readonly onAudit: (audit: StoredAudit, regressions: Regression[]) => Promise<void>,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Looks for due audits every `everyMs`; on stop, a running audit gets five seconds to finish (shutdown must take under ten). */
  start(everyMs = 60_000): void {
    this.repeating = repeat(everyMs, () => this.tick(), { log: this.log, what: 'scheduled audits', stopWaitMs: 5_000 });
  }

  async stop(): Promise<void> {
    await this.repeating?.stop();
  }

  /** Runs, one site after another, every audit that is due. */
  async tick(): Promise<void> {
    const now = this.clock.now();
    const last = await this.audits.lastStarts();
    for (const { id, spec } of await this.sites.allSites()) {
      const site = { id, name: spec.name };
      if (!spec.url) continue;
      if (!this.firstSeen.has(site.id)) this.firstSeen.set(site.id, now);
      const schedules = schedulesFor(this.audits.settings(), site.name);
      const due = auditCategories.filter((c: AuditCategory) => {
        const at = nextDue(schedules[c], last.get(`${site.id}:${c}`), this.firstSeen.get(site.id)!, site.id);
        return at !== undefined && at <= now;
      });
      if (!due.length) continue;
      const audit = await this.audits.runAudit(site.id, { only: due });
      await this.onAudit(audit, await this.audits.compareWithPrevious(audit));
      this.log.info({ site: site.name, categories: due, status: audit.status }, 'scheduled audit done');
    }
  }
}
