import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, ManagedBy, MonitorRow, SiteRow } from '../db/types.js';

export interface PageQuery {
  limit: number;
  /** Rows with an id above this one (the cursor of the previous page). */
  afterId?: number | undefined;
}

export interface SiteFilter extends PageQuery {
  /** Only these sites (a team member's reach); undefined for all. */
  siteIds?: ReadonlySet<number> | undefined;
  tag?: string | undefined;
  /** A case-insensitive part of the name. */
  search?: string | undefined;
  /** Only sites owned by this email, or (null) only sites without an owner. */
  owner?: string | null | undefined;
}

export interface MonitorFilter extends PageQuery {
  siteId?: number | undefined;
  /** Only monitors of these sites (a team member's reach); undefined for all. */
  siteIds?: ReadonlySet<number> | undefined;
  tag?: string | undefined;
  type?: string | undefined;
  search?: string | undefined;
}

export interface SiteWrite {
  name: string;
  spec: string;
  envRefs: string | null;
  managedBy: ManagedBy;
  tags: readonly string[];
}

/** A site's columns: its monitors' plus the owner's email (lowercased, for lookups). */
export interface SiteColumns extends SiteWrite {
  owner: string | null;
}

export interface MonitorWrite extends SiteWrite {
  siteId: number;
  type: string;
  paused: boolean;
  intervalMs: number | null;
  secrets: string | null;
}

export type MonitorWithSite = MonitorRow & { site_name: string; site_spec: string };

/** `column` contains `text`, ignoring case, with LIKE's wildcards in `text` taken literally (same SQL on both databases). */
export const nameContains = (column: string, text: string) =>
  sql<boolean>`lower(${sql.ref(column)}) like ${`%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`;

/** The only place that knows how sites and monitors are stored. Works inside and outside transactions. */
export class SitesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async listSites(filter: SiteFilter): Promise<{ rows: SiteRow[]; total: number }> {
    let query = this.db.selectFrom('sites');
    if (filter.siteIds) query = query.where('id', 'in', [...filter.siteIds, -1]);
    if (filter.tag) query = query.where('id', 'in', this.db.selectFrom('site_tags').select('site_id').where('tag', '=', filter.tag));
    if (filter.search) query = query.where(nameContains('name', filter.search));
    if (filter.owner !== undefined) query = query.where('owner', filter.owner === null ? 'is' : '=', filter.owner?.toLowerCase() ?? null);
    const [rows, count] = await Promise.all([
      query
        .selectAll()
        .$if(filter.afterId !== undefined, (q) => q.where('id', '>', filter.afterId!))
        .orderBy('id')
        .limit(filter.limit)
        .execute(),
      query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(count.n) };
  }

  getSite(id: number): Promise<SiteRow | undefined> {
    return this.db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
  }

  getSiteByName(name: string): Promise<SiteRow | undefined> {
    return this.db.selectFrom('sites').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** The sites of these names (those that exist), in one query. */
  async sitesByNames(names: readonly string[]): Promise<SiteRow[]> {
    return names.length ? this.db.selectFrom('sites').selectAll().where('name', 'in', names).execute() : [];
  }

  allSites(): Promise<SiteRow[]> {
    return this.db.selectFrom('sites').selectAll().orderBy('id').execute();
  }

  /** Every site's name by id (what config sections write for a site). */
  async siteNames(): Promise<Map<number, string>> {
    return new Map((await this.db.selectFrom('sites').select(['id', 'name']).execute()).map((s) => [s.id, s.name]));
  }

  /** When a site last changed (null without sites): a monitor reads its site, so the engine reloads on it. */
  async sitesChangedAt(): Promise<number | null> {
    const row = await this.db
      .selectFrom('sites')
      .select((eb) => eb.fn.max('updated_at').as('latest'))
      .executeTakeFirstOrThrow();
    return row.latest;
  }

  /** How many monitors there are and when one last changed: with `sitesChangedAt`, a cheap test for any change. */
  async monitorsChanged(): Promise<{ count: number; latest: number | null }> {
    const row = await this.db
      .selectFrom('monitors')
      .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.max('updated_at').as('latest')])
      .executeTakeFirstOrThrow();
    return { count: Number(row.n), latest: row.latest };
  }

  async insertSite(site: SiteColumns, now: number): Promise<number> {
    const { id } = await this.db
      .insertInto('sites')
      .values({ name: site.name, spec: site.spec, env_refs: site.envRefs, managed_by: site.managedBy, owner: site.owner, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.writeSiteTags(id, site.tags);
    return id;
  }

  async updateSite(id: number, site: SiteColumns, now: number): Promise<void> {
    await this.db
      .updateTable('sites')
      .set({ name: site.name, spec: site.spec, env_refs: site.envRefs, managed_by: site.managedBy, owner: site.owner, updated_at: now })
      .where('id', '=', id)
      .execute();
    await this.db.deleteFrom('site_tags').where('site_id', '=', id).execute();
    await this.writeSiteTags(id, site.tags);
  }

  async deleteSite(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('sites').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  private async writeSiteTags(siteId: number, tags: readonly string[]): Promise<void> {
    const unique = [...new Set(tags)];
    if (unique.length)
      await this.db
        .insertInto('site_tags')
        .values(unique.map((tag) => ({ site_id: siteId, tag })))
        .execute();
  }

  private monitorsQuery() {
    return this.db
      .selectFrom('monitors')
      .innerJoin('sites', 'sites.id', 'monitors.site_id')
      .selectAll('monitors')
      .select(['sites.name as site_name', 'sites.spec as site_spec']);
  }

  async listMonitors(filter: MonitorFilter): Promise<{ rows: MonitorWithSite[]; total: number }> {
    let query = this.db.selectFrom('monitors').innerJoin('sites', 'sites.id', 'monitors.site_id');
    if (filter.siteId !== undefined) query = query.where('monitors.site_id', '=', filter.siteId);
    if (filter.siteIds) query = query.where('monitors.site_id', 'in', [...filter.siteIds, -1]);
    if (filter.type) query = query.where('monitors.type', '=', filter.type);
    if (filter.search) query = query.where(nameContains('monitors.name', filter.search));
    if (filter.tag) {
      const tag = filter.tag;
      query = query.where((eb) =>
        eb.or([
          eb('monitors.id', 'in', eb.selectFrom('monitor_tags').select('monitor_id').where('tag', '=', tag)),
          eb('monitors.site_id', 'in', eb.selectFrom('site_tags').select('site_id').where('tag', '=', tag)),
        ]),
      );
    }
    const [rows, count] = await Promise.all([
      query
        .selectAll('monitors')
        .select(['sites.name as site_name', 'sites.spec as site_spec'])
        .$if(filter.afterId !== undefined, (q) => q.where('monitors.id', '>', filter.afterId!))
        .orderBy('monitors.id')
        .limit(filter.limit)
        .execute(),
      query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(count.n) };
  }

  getMonitor(id: number): Promise<MonitorWithSite | undefined> {
    return this.monitorsQuery().where('monitors.id', '=', id).executeTakeFirst();
  }

  getMonitorByName(siteId: number, name: string): Promise<MonitorWithSite | undefined> {
    return this.monitorsQuery().where('monitors.site_id', '=', siteId).where('monitors.name', '=', name).executeTakeFirst();
  }

  allMonitors(): Promise<MonitorWithSite[]> {
    return this.monitorsQuery().orderBy('monitors.id').execute();
  }

  async insertMonitor(monitor: MonitorWrite, now: number): Promise<number> {
    const { id } = await this.db
      .insertInto('monitors')
      .values({ ...monitorColumns(monitor), ping_key: randomBytes(16).toString('base64url'), created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.writeMonitorTags(id, monitor.tags);
    return id;
  }

  async updateMonitor(id: number, monitor: MonitorWrite, now: number): Promise<void> {
    await this.db
      .updateTable('monitors')
      .set({ ...monitorColumns(monitor), updated_at: now })
      .where('id', '=', id)
      .execute();
    await this.db.deleteFrom('monitor_tags').where('monitor_id', '=', id).execute();
    await this.writeMonitorTags(id, monitor.tags);
  }

  async deleteMonitor(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('monitors').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  private async writeMonitorTags(monitorId: number, tags: readonly string[]): Promise<void> {
    const unique = [...new Set(tags)];
    if (unique.length)
      await this.db
        .insertInto('monitor_tags')
        .values(unique.map((tag) => ({ monitor_id: monitorId, tag })))
        .execute();
  }
}

function monitorColumns(m: MonitorWrite) {
  return {
    site_id: m.siteId,
    name: m.name,
    type: m.type,
    paused: m.paused ? 1 : 0,
    interval_ms: m.intervalMs,
    spec: m.spec,
    secrets: m.secrets,
    env_refs: m.envRefs,
    managed_by: m.managedBy,
  };
}
