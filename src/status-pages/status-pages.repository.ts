import type { Insertable, Selectable } from 'kysely';
import type { ManagedBy } from '../db/types.js';
import type { IncidentUpdatesTable, StatusDb, StatusPagesTable, StatusSubscribersTable } from './tables.js';

export type StatusPageRow = Selectable<StatusPagesTable>;
export type IncidentUpdateRow = Selectable<IncidentUpdatesTable>;
export type SubscriberRow = Selectable<StatusSubscribersTable>;

export interface StatusPageWrite {
  slug: string;
  spec: string;
  secrets: string | null;
  envRefs: string | null;
  managedBy: ManagedBy;
}

const columns = (p: StatusPageWrite) => ({ slug: p.slug, spec: p.spec, secrets: p.secrets, env_refs: p.envRefs, managed_by: p.managedBy });

/** The only place that knows how status pages, incident updates and subscribers are stored. */
export class StatusPagesRepository {
  constructor(private readonly db: StatusDb) {}

  all(): Promise<StatusPageRow[]> {
    return this.db.selectFrom('status_pages').selectAll().orderBy('id').execute();
  }

  get(id: number): Promise<StatusPageRow | undefined> {
    return this.db.selectFrom('status_pages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  bySlug(slug: string): Promise<StatusPageRow | undefined> {
    return this.db.selectFrom('status_pages').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  async insert(page: StatusPageWrite, now: number): Promise<number> {
    const { id } = await this.db
      .insertInto('status_pages')
      .values({ ...columns(page), created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async update(id: number, page: StatusPageWrite, now: number): Promise<void> {
    await this.db
      .updateTable('status_pages')
      .set({ ...columns(page), updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('status_pages').where('id', '=', id).execute();
  }

  async addUpdate(row: Insertable<IncidentUpdatesTable>): Promise<number> {
    const { id } = await this.db.insertInto('incident_updates').values(row).returning('id').executeTakeFirstOrThrow();
    return id;
  }

  updatesOf(incidentIds: readonly number[]): Promise<IncidentUpdateRow[]> {
    if (!incidentIds.length) return Promise.resolve([]);
    return this.db.selectFrom('incident_updates').selectAll().where('incident_id', 'in', incidentIds).orderBy('at', 'desc').orderBy('id', 'desc').execute();
  }

  /** Incidents of these sites that are open, or were open after `since`, newest first. */
  incidentsOf(siteIds: readonly number[], since: number) {
    if (!siteIds.length) return Promise.resolve([]);
    return this.db
      .selectFrom('incidents')
      .selectAll()
      .where('site_id', 'in', siteIds)
      .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', since)]))
      .orderBy('opened_at', 'desc')
      .limit(200)
      .execute();
  }

  incidentMonitors(incidentIds: readonly number[]) {
    if (!incidentIds.length) return Promise.resolve([]);
    return this.db.selectFrom('incident_monitors').select(['incident_id', 'monitor_id']).where('incident_id', 'in', incidentIds).execute();
  }

  /**
   * Cheap fingerprints of what pages show that is not in the engine's memory: `members` moves when
   * pages, sites or monitors change (which monitors a page shows), `all` also with incidents, their
   * updates and maintenance windows.
   */
  async signature(): Promise<{ members: string; all: string }> {
    const count = (table: 'status_pages' | 'incidents' | 'incident_updates' | 'config_objects' | 'sites' | 'monitors') =>
      this.db
        .selectFrom(table)
        .select((eb) => [eb.fn.countAll<number | string>().as('n')])
        .executeTakeFirstOrThrow();
    const latest = (table: 'status_pages' | 'incidents' | 'config_objects' | 'sites' | 'monitors') =>
      this.db
        .selectFrom(table)
        .select((eb) => [eb.fn.max('updated_at').as('at')])
        .executeTakeFirstOrThrow();
    const updates = await this.db
      .selectFrom('incident_updates')
      .select((eb) => [eb.fn.max('id').as('id')])
      .executeTakeFirstOrThrow();
    const of = (tables: readonly ('status_pages' | 'incidents' | 'config_objects' | 'sites' | 'monitors')[]) =>
      Promise.all(tables.map(async (t) => `${(await count(t)).n}/${(await latest(t)).at}`));
    const [members, rest] = await Promise.all([of(['status_pages', 'sites', 'monitors']), of(['incidents', 'config_objects'])]);
    return { members: members.join(':'), all: [...members, ...rest, (await count('incident_updates')).n, updates.id].join(':') };
  }

  subscriber(id: number): Promise<SubscriberRow | undefined> {
    return this.db.selectFrom('status_subscribers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  subscriberByAddress(pageId: number, kind: SubscriberRow['kind'], address: string): Promise<SubscriberRow | undefined> {
    return this.db
      .selectFrom('status_subscribers')
      .selectAll()
      .where('page_id', '=', pageId)
      .where('kind', '=', kind)
      .where('address', '=', address)
      .executeTakeFirst();
  }

  subscribers(pageId: number, confirmedOnly: boolean): Promise<SubscriberRow[]> {
    return this.db
      .selectFrom('status_subscribers')
      .selectAll()
      .where('page_id', '=', pageId)
      .$if(confirmedOnly, (q) => q.where('confirmed_at', 'is not', null))
      .orderBy('id')
      .execute();
  }

  async addSubscriber(row: Insertable<StatusSubscribersTable>): Promise<number> {
    const { id } = await this.db.insertInto('status_subscribers').values(row).returning('id').executeTakeFirstOrThrow();
    return id;
  }

  async renewSubscriber(id: number, nonce: string, components: string | null): Promise<void> {
    await this.db.updateTable('status_subscribers').set({ nonce, components }).where('id', '=', id).execute();
  }

  async confirmSubscriber(id: number, now: number): Promise<void> {
    await this.db.updateTable('status_subscribers').set({ confirmed_at: now }).where('id', '=', id).where('confirmed_at', 'is', null).execute();
  }

  async deleteSubscriber(id: number): Promise<void> {
    await this.db.deleteFrom('status_subscribers').where('id', '=', id).execute();
  }

  /** Records that an occurrence was announced; false when it had been already. */
  async announce(pageId: number, windowName: string, start: number, kind: 'announce' | 'reminder'): Promise<boolean> {
    const result = await this.db
      .insertInto('status_announcements')
      .values({ page_id: pageId, window_name: windowName, occurrence_start: start, kind })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
}
