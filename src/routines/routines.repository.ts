import type { Insertable, Selectable, Updateable } from 'kysely';
import type { RoutineRunsTable, RoutinesDb, RoutinesTable } from './tables.js';

export type RoutineRow = Selectable<RoutinesTable>;
export type RunRow = Selectable<RoutineRunsTable>;

/** The only place that knows how routines and their runs are stored. Works inside and outside transactions. */
export class RoutinesRepository {
  constructor(private readonly db: RoutinesDb) {}

  all(): Promise<RoutineRow[]> {
    return this.db.selectFrom('routines').selectAll().orderBy('id').execute();
  }

  ofSite(siteId: number): Promise<RoutineRow[]> {
    return this.db.selectFrom('routines').selectAll().where('site_id', '=', siteId).orderBy('name').execute();
  }

  get(id: number): Promise<RoutineRow | undefined> {
    return this.db.selectFrom('routines').selectAll().where('id', '=', id).executeTakeFirst();
  }

  bySiteAndName(siteId: number, name: string): Promise<RoutineRow | undefined> {
    return this.db.selectFrom('routines').selectAll().where('site_id', '=', siteId).where('name', '=', name).executeTakeFirst();
  }

  async insert(row: Insertable<RoutinesTable>): Promise<number> {
    return (await this.db.insertInto('routines').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  async update(id: number, change: Updateable<RoutinesTable>): Promise<void> {
    await this.db.updateTable('routines').set(change).where('id', '=', id).execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('routines').where('id', '=', id).execute();
  }

  /** Routines whose reminder time has come (due within `lead` of now is decided by the caller per routine). */
  dueBefore(at: number): Promise<RoutineRow[]> {
    return this.db.selectFrom('routines').selectAll().where('due_at', 'is not', null).where('due_at', '<=', at).execute();
  }

  /** Overdue routines per site (due before now, not done), for the overview. */
  async overdueBySite(now: number, siteIds: readonly number[] | undefined): Promise<Map<number, number>> {
    let query = this.db
      .selectFrom('routines')
      .select(['site_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('due_at', '<=', now)
      .groupBy('site_id');
    if (siteIds) query = siteIds.length ? query.where('site_id', 'in', [...siteIds]) : query.where('site_id', '=', -1);
    return new Map((await query.execute()).map((r) => [r.site_id, Number(r.n)]));
  }

  async addRun(row: Insertable<RoutineRunsTable>): Promise<number> {
    return (await this.db.insertInto('routine_runs').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  runs(routineId: number, limit: number): Promise<RunRow[]> {
    return this.db
      .selectFrom('routine_runs')
      .selectAll()
      .where('routine_id', '=', routineId)
      .orderBy('completed_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }
}
