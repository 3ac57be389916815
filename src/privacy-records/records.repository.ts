import type { Insertable, Selectable } from 'kysely';
import type { PrivacyDb, PrivacyObservationsTable, PrivacyRecordsTable, PrivacyTaskKind, PrivacyTasksTable } from './tables.js';

export type RecordsRow = Selectable<PrivacyRecordsTable>;
export type ObservationRow = Selectable<PrivacyObservationsTable>;
export type TaskRow = Selectable<PrivacyTasksTable>;

/** The only place that knows how GDPR records, what the audits saw and the tasks are stored. Works inside and outside transactions. */
export class RecordsRepository {
  constructor(private readonly db: PrivacyDb) {}

  get(siteId: number): Promise<RecordsRow | undefined> {
    return this.db.selectFrom('privacy_records').selectAll().where('site_id', '=', siteId).executeTakeFirst();
  }

  all(): Promise<RecordsRow[]> {
    return this.db.selectFrom('privacy_records').selectAll().orderBy('site_id').execute();
  }

  async put(row: RecordsRow): Promise<void> {
    const { site_id: _, ...change } = row;
    await this.db
      .insertInto('privacy_records')
      .values(row)
      .onConflict((oc) => oc.column('site_id').doUpdateSet(change))
      .execute();
  }

  async delete(siteId: number): Promise<void> {
    await this.db.deleteFrom('privacy_records').where('site_id', '=', siteId).execute();
  }

  observations(siteId: number): Promise<ObservationRow[]> {
    return this.db.selectFrom('privacy_observations').selectAll().where('site_id', '=', siteId).orderBy('kind').orderBy('name').execute();
  }

  /** Records what an audit saw: new names are added, known ones get their details and last sighting updated. */
  async observe(row: Insertable<PrivacyObservationsTable>): Promise<void> {
    await this.db
      .insertInto('privacy_observations')
      .values(row)
      .onConflict((oc) => oc.columns(['site_id', 'kind', 'name']).doUpdateSet({ detail: row.detail, last_seen: row.last_seen, audit_id: row.audit_id }))
      .execute();
  }

  openTasks(siteId: number): Promise<TaskRow[]> {
    return this.db.selectFrom('privacy_tasks').selectAll().where('site_id', '=', siteId).where('state', '=', 'open').orderBy('id').execute();
  }

  task(id: number): Promise<TaskRow | undefined> {
    return this.db.selectFrom('privacy_tasks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Opens a task unless one of the same kind and subject is open already; answers the new task's id, or null. */
  async openTask(row: Insertable<PrivacyTasksTable>): Promise<number | null> {
    const open = await this.db
      .selectFrom('privacy_tasks')
      .select('id')
      .where('site_id', '=', row.site_id)
      .where('kind', '=', row.kind)
      .where('subject', '=', row.subject)
      .where('state', '=', 'open')
      .executeTakeFirst();
    if (open) return null;
    return (await this.db.insertInto('privacy_tasks').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  /** Closes the site's open tasks of a kind (a review closes the yearly review's). */
  async closeTasksOfKind(siteId: number, kind: PrivacyTaskKind, at: number, by: string): Promise<void> {
    await this.db
      .updateTable('privacy_tasks')
      .set({ state: 'done', done_at: at, done_by: by })
      .where('site_id', '=', siteId)
      .where('kind', '=', kind)
      .where('state', '=', 'open')
      .execute();
  }

  async closeTask(id: number, at: number, by: string): Promise<void> {
    await this.db.updateTable('privacy_tasks').set({ state: 'done', done_at: at, done_by: by }).where('id', '=', id).execute();
  }
}
