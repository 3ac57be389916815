import type { Insertable, Selectable, Updateable } from 'kysely';
import type { PlannedWorkDb, PlannedWorkTable } from './tables.js';

export type PlannedRow = Selectable<PlannedWorkTable> & { maintenance_name: string | null };

/** The only place that knows how planned work is stored. */
export class PlannedWorkRepository {
  constructor(private readonly db: PlannedWorkDb) {}

  private select() {
    return this.db
      .selectFrom('planned_work')
      .leftJoin('config_objects', (join) => join.onRef('config_objects.id', '=', 'planned_work.maintenance_id').on('config_objects.kind', '=', 'maintenance'))
      .selectAll('planned_work')
      .select('config_objects.name as maintenance_name');
  }

  ofSite(siteId: number): Promise<PlannedRow[]> {
    return this.select().where('planned_work.site_id', '=', siteId).orderBy('planned_work.target_date').orderBy('planned_work.id').execute();
  }

  all(): Promise<PlannedRow[]> {
    return this.select().orderBy('planned_work.site_id').orderBy('planned_work.target_date').orderBy('planned_work.id').execute();
  }

  /** The id of the maintenance window with this name. */
  async windowId(name: string): Promise<number | undefined> {
    return (await this.db.selectFrom('config_objects').select('id').where('kind', '=', 'maintenance').where('name', '=', name).executeTakeFirst())?.id;
  }

  get(id: number): Promise<PlannedRow | undefined> {
    return this.select().where('planned_work.id', '=', id).executeTakeFirst();
  }

  async insert(row: Insertable<PlannedWorkTable>): Promise<number> {
    return (await this.db.insertInto('planned_work').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  async update(id: number, change: Updateable<PlannedWorkTable>): Promise<void> {
    await this.db.updateTable('planned_work').set(change).where('id', '=', id).execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('planned_work').where('id', '=', id).execute();
  }

  /** Whether a maintenance window with this id exists. */
  async windowExists(id: number): Promise<boolean> {
    return !!(await this.db.selectFrom('config_objects').select('id').where('id', '=', id).where('kind', '=', 'maintenance').executeTakeFirst());
  }
}
