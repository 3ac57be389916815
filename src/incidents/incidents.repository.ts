import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, IncidentMonitorsTable, IncidentsTable, IncidentTimelineTable } from '../db/types.js';

export type IncidentRow = Selectable<IncidentsTable>;
export type IncidentMonitorRow = IncidentMonitorsTable;
export type TimelineRow = Selectable<IncidentTimelineTable>;

export interface IncidentFilter {
  status?: 'open' | 'resolved' | undefined;
  siteId?: number | undefined;
  /** Only incidents of these sites (a team member's reach). */
  siteIds?: ReadonlySet<number> | undefined;
  limit: number;
  /** Incidents with a lower id than this (the previous page's cursor). */
  beforeId?: number | undefined;
}

/** The only place that knows how incidents, their monitors and timelines are stored. */
export class IncidentsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The site's incident that is not resolved yet, opened by its monitors. */
  openAutoIncident(siteId: number): Promise<IncidentRow | undefined> {
    return this.db
      .selectFrom('incidents')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('origin', '=', 'auto')
      .where('status', '!=', 'resolved')
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  /**
   * Takes an incident that is not resolved for the rest of the transaction (its row lock on
   * PostgreSQL, where a resolution may run at the same time) and reads it fresh; undefined when it
   * was resolved meanwhile.
   */
  async takeUnresolved(id: number, now: number): Promise<IncidentRow | undefined> {
    const r = await this.db.updateTable('incidents').set({ updated_at: now }).where('id', '=', id).where('status', '!=', 'resolved').executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? this.get(id) : undefined;
  }

  /** Resolves an incident whose cool-down is over, unless a monitor failed again meanwhile; true when it did. */
  async resolveIfDue(id: number, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('incidents')
      .set({ status: 'resolved', resolved_at: now, resolve_at: null, next_escalation_at: null, next_reminder_at: null, updated_at: now })
      .where('id', '=', id)
      .where('status', '!=', 'resolved')
      .where('resolve_at', 'is not', null)
      .where('resolve_at', '<=', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  get(id: number): Promise<IncidentRow | undefined> {
    return this.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(filter: IncidentFilter): Promise<IncidentRow[]> {
    return this.db
      .selectFrom('incidents')
      .selectAll()
      .$if(filter.status === 'open', (q) => q.where('status', '!=', 'resolved'))
      .$if(filter.status === 'resolved', (q) => q.where('status', '=', 'resolved'))
      .$if(filter.siteId !== undefined, (q) => q.where('site_id', '=', filter.siteId!))
      .$if(filter.siteIds !== undefined, (q) => q.where('site_id', 'in', [...filter.siteIds!, -1]))
      .$if(filter.beforeId !== undefined, (q) => q.where('id', '<', filter.beforeId!))
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .execute();
  }

  async insert(row: Insertable<IncidentsTable>): Promise<number> {
    const { id } = await this.db.insertInto('incidents').values(row).returning('id').executeTakeFirstOrThrow();
    return id;
  }

  async update(id: number, changes: Updateable<IncidentsTable>): Promise<void> {
    await this.db.updateTable('incidents').set(changes).where('id', '=', id).execute();
  }

  monitors(incidentId: number): Promise<IncidentMonitorRow[]> {
    return this.db.selectFrom('incident_monitors').selectAll().where('incident_id', '=', incidentId).execute();
  }

  /** Which of `monitorIds` belong to an automatic incident not resolved yet (a thousand per statement). */
  async inOpenAutoIncidents(monitorIds: readonly number[]): Promise<Set<number>> {
    const found = new Set<number>();
    for (let i = 0; i < monitorIds.length; i += 1_000) {
      const rows = await this.db
        .selectFrom('incident_monitors')
        .innerJoin('incidents', 'incidents.id', 'incident_monitors.incident_id')
        .select('incident_monitors.monitor_id')
        .where('incidents.origin', '=', 'auto')
        .where('incidents.status', '!=', 'resolved')
        .where('incident_monitors.monitor_id', 'in', monitorIds.slice(i, i + 1_000))
        .execute();
      for (const row of rows) found.add(row.monitor_id);
    }
    return found;
  }

  /** An incident's monitors with their names, to say in one line what is wrong. */
  namedMonitors(incidentId: number): Promise<{ name: string; status: string; message: string }[]> {
    return this.db
      .selectFrom('incident_monitors')
      .innerJoin('monitors', 'monitors.id', 'incident_monitors.monitor_id')
      .select(['monitors.name', 'incident_monitors.status', 'incident_monitors.message'])
      .where('incident_id', '=', incidentId)
      .execute();
  }

  async upsertMonitor(row: IncidentMonitorRow): Promise<void> {
    await this.db
      .insertInto('incident_monitors')
      .values(row)
      .onConflict((oc) => oc.columns(['incident_id', 'monitor_id']).doUpdateSet({ status: row.status, message: row.message, since: row.since }))
      .execute();
  }

  async addTimeline(incidentId: number, at: number, kind: string, message: string, author: string | null = null): Promise<void> {
    await this.db.insertInto('incident_timeline').values({ incident_id: incidentId, at, kind, message, author }).execute();
  }

  timeline(incidentId: number): Promise<TimelineRow[]> {
    return this.db.selectFrom('incident_timeline').selectAll().where('incident_id', '=', incidentId).orderBy('at').orderBy('id').execute();
  }

  /** Incidents with something due: resolution after the cool-down, the next escalation step, a reminder. */
  due(now: number): Promise<IncidentRow[]> {
    return this.db
      .selectFrom('incidents')
      .selectAll()
      .where('status', '!=', 'resolved')
      .where((eb) => eb.or([eb('resolve_at', '<=', now), eb('next_escalation_at', '<=', now), eb('next_reminder_at', '<=', now)]))
      .execute();
  }

  /** Records an acknowledge link's nonce; false when it was used before. */
  async useLink(nonce: string, expiresAt: number): Promise<boolean> {
    const result = await this.db
      .insertInto('used_links')
      .values({ nonce, expires_at: expiresAt })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async forgetExpiredLinks(now: number): Promise<void> {
    await this.db.deleteFrom('used_links').where('expires_at', '<', now).execute();
  }
}
