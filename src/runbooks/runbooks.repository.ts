import type { Insertable, Selectable } from 'kysely';
import type { RunbooksDb, RunbooksTable, RunbookVersionsTable } from './tables.js';

export type RunbookRow = Selectable<RunbooksTable>;
export type VersionRow = Selectable<RunbookVersionsTable>;

/** The only place that knows how runbooks and their versions are stored. Works inside and outside transactions. */
export class RunbooksRepository {
  constructor(private readonly db: RunbooksDb) {}

  ofSite(siteId: number): Promise<RunbookRow[]> {
    return this.db.selectFrom('runbooks').selectAll().where('site_id', '=', siteId).orderBy('title').execute();
  }

  /** The site's own runbooks and those of the given monitors. */
  forTargets(siteId: number, monitorIds: readonly number[]): Promise<RunbookRow[]> {
    return this.db
      .selectFrom('runbooks')
      .selectAll()
      .where('site_id', '=', siteId)
      .where((eb) => (monitorIds.length ? eb.or([eb('monitor_id', 'is', null), eb('monitor_id', 'in', [...monitorIds])]) : eb('monitor_id', 'is', null)))
      .orderBy('monitor_id')
      .orderBy('title')
      .execute();
  }

  get(id: number): Promise<RunbookRow | undefined> {
    return this.db.selectFrom('runbooks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insert(row: Insertable<RunbooksTable>): Promise<number> {
    return (await this.db.insertInto('runbooks').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  async setVersion(id: number, title: string, version: number, at: number): Promise<void> {
    await this.db.updateTable('runbooks').set({ title, version, updated_at: at }).where('id', '=', id).execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('runbooks').where('id', '=', id).execute();
  }

  async addVersion(row: Insertable<RunbookVersionsTable>): Promise<void> {
    await this.db.insertInto('runbook_versions').values(row).execute();
  }

  version(id: number, version: number): Promise<VersionRow | undefined> {
    return this.db.selectFrom('runbook_versions').selectAll().where('runbook_id', '=', id).where('version', '=', version).executeTakeFirst();
  }

  versions(id: number): Promise<VersionRow[]> {
    return this.db.selectFrom('runbook_versions').selectAll().where('runbook_id', '=', id).orderBy('version', 'desc').execute();
  }
}
