import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { toIso, type Clock } from '../lib/clock.js';
import type { MonitoringEngine } from '../monitoring/engine.js';
import type { Status } from '../monitoring/state-machine.js';
import type { SitesService } from '../sites/sites.service.js';
import { RoutinesRepository } from '../routines/routines.repository.js';
import { withRoutineTables } from '../routines/tables.js';
import { InventoriesRepository } from '../updates/inventories.repository.js';
import { summarize } from '../updates/summary.js';
import { DashboardRepository } from './dashboard.repository.js';
import { monitorStatuses } from './monitors.service.js';
import {
  backupsPillar,
  isBackup,
  privacyPillar,
  securityPillar,
  speedPillar,
  updatesPillar,
  uptimePillar,
  type Pillar,
  type PillarName,
  type SiteMonitor,
} from './pillars.js';

export interface PortfolioQuery {
  limit: number;
  cursor?: number | undefined;
  q?: string | undefined;
  tag?: string | undefined;
  /** One site only (the site page shows its pillars). */
  siteId?: number | undefined;
  /** `problems`: only sites with a monitor down or degraded, or an open incident; `unowned`: only sites without an owner. */
  show: 'all' | 'problems' | 'unowned';
}

/** Why a site's owner needs attention: none named, or the named email is no account. */
export type OwnerFlag = 'no_owner' | 'no_account';

const DAY = 86_400_000;

/**
 * The portfolio: a page of sites with one line per pillar. Monitor states come from the engine's
 * memory, uptime and latency from one rollup query for the page's monitors, audits and incidents
 * from one query each: the cost grows with the page, not with the number of monitors.
 */
export class PortfolioService {
  private readonly repo: DashboardRepository;
  private readonly routines: RoutinesRepository;
  private readonly inventories: InventoriesRepository;

  constructor(
    db: Kysely<Database>,
    private readonly engine: MonitoringEngine,
    private readonly sites: SitesService,
    private readonly clock: Clock,
  ) {
    this.repo = new DashboardRepository(db);
    this.routines = new RoutinesRepository(withRoutineTables(db));
    this.inventories = new InventoriesRepository(db);
  }

  async page(query: PortfolioQuery, visible: ReadonlySet<number> | 'all') {
    const now = this.clock.now();
    const bySite = new Map<number, SiteMonitor[]>();
    const counts = Object.fromEntries(monitorStatuses.map((s) => [s, 0])) as Record<Status, number>;
    for (const [, rt] of this.engine.states()) {
      if (visible !== 'all' && !visible.has(rt.monitor.siteId)) continue;
      counts[rt.state.status]++;
      const list = bySite.get(rt.monitor.siteId) ?? [];
      list.push({ monitor: rt.monitor, state: rt.state, figures: undefined });
      bySite.set(rt.monitor.siteId, list);
    }
    const open = await this.repo.openIncidents(visible === 'all' ? undefined : [...visible]);
    let siteIds = visible === 'all' ? undefined : visible;
    if (query.show === 'problems') {
      const troubled = new Set(open.map((i) => i.site_id));
      for (const [siteId, list] of bySite) if (list.some((m) => m.state.status === 'down' || m.state.status === 'degraded')) troubled.add(siteId);
      siteIds = new Set([...troubled].filter((id) => visible === 'all' || visible.has(id)));
    }
    if (query.siteId !== undefined) siteIds = new Set([query.siteId].filter((id) => !siteIds || siteIds.has(id)));
    const filter = { tag: query.tag, search: query.q, siteIds };
    const [page, unowned] = await Promise.all([
      this.sites.listSites({ ...filter, limit: query.limit, afterId: query.cursor, ...(query.show === 'unowned' ? { owner: null } : {}) }),
      this.sites.listSites({ ...filter, limit: 1, owner: null }),
    ]);
    const accounts = await this.sites.knownAccounts(page.items.flatMap((s) => [s.spec.owner, s.spec.deputy].filter((e) => e !== undefined)));
    const flagOf = (email: string | undefined): OwnerFlag | null => (!email ? 'no_owner' : accounts.has(email.toLowerCase()) ? null : 'no_account');

    const ids = page.items.map((s) => s.id);
    const monitorIds = ids.flatMap((id) => (bySite.get(id) ?? []).map((m) => m.monitor.id));
    const [figures, audits, overdue, overdueAll, software] = await Promise.all([
      this.engine.results.overview(now - DAY, now, monitorIds),
      this.repo.latestAudits(ids),
      this.routines.overdueBySite(now, ids),
      this.routines.overdueBySite(now, visible === 'all' ? undefined : [...visible]),
      this.inventories.newestComponents(ids).then(summarize),
    ]);
    const data = page.items.map((site) => {
      const all = (bySite.get(site.id) ?? []).map((m) => ({ ...m, figures: figures.get(m.monitor.id) }));
      const monitors = all.filter((m) => !isBackup(m.monitor));
      const hasUrl = Boolean(site.spec.url);
      const pillars: Record<PillarName, Pillar> = {
        uptime: uptimePillar(monitors),
        speed: speedPillar(monitors, audits.performance.get(site.id)),
        security: securityPillar(hasUrl, audits.security.get(site.id)),
        privacy: privacyPillar(hasUrl, audits.privacy.get(site.id)),
        updates: updatesPillar(software.get(site.id)),
        backups: backupsPillar(
          all.filter((m) => isBackup(m.monitor)),
          now,
        ),
      };
      const incident = open.find((i) => i.site_id === site.id);
      return {
        id: site.id,
        name: site.spec.name,
        url: site.spec.url ?? null,
        tags: site.spec.tags,
        managedBy: site.managedBy,
        owner: site.spec.owner ?? null,
        deputy: site.spec.deputy ?? null,
        ownerFlag: flagOf(site.spec.owner),
        monitors: all.length,
        overdueRoutines: overdue.get(site.id) ?? 0,
        pillars,
        incident: incident
          ? { id: incident.id, title: incident.title, severity: incident.severity, status: incident.status, openedAt: toIso(incident.opened_at) }
          : null,
      };
    });
    return {
      data,
      totals: {
        sites: page.total,
        monitors: counts,
        openIncidents: open.length,
        withoutOwner: unowned.total,
        overdueRoutines: [...overdueAll.values()].reduce((a, b) => a + b, 0),
      },
      page: { total: page.total, limit: query.limit, nextCursor: page.nextCursor },
    };
  }
}
