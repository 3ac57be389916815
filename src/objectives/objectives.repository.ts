import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { withObjectiveTables, type ObjectiveDaysTable, type ObjectivesDb } from './tables.js';

/** The only place that knows how objectives' budget history is stored. */
export class ObjectivesRepository {
  private readonly db: ObjectivesDb;

  constructor(db: Kysely<Database>) {
    this.db = withObjectiveTables(db);
  }

  /** Writes the day's row, replacing an earlier evaluation of the same day. */
  async saveDay(row: ObjectiveDaysTable): Promise<void> {
    const { checks, failed, attainment, budget_remaining, met, evaluated_at } = row;
    await this.db
      .insertInto('objective_days')
      .values(row)
      .onConflict((oc) => oc.columns(['site_id', 'objective', 'day']).doUpdateSet({ checks, failed, attainment, budget_remaining, met, evaluated_at }))
      .execute();
  }

  /** A site's daily rows, oldest first, from day `from` (YYYY-MM-DD) on. */
  days(siteId: number, from: string): Promise<ObjectiveDaysTable[]> {
    return this.db
      .selectFrom('objective_days')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('day', '>=', from)
      .orderBy('objective')
      .orderBy('day')
      .execute();
  }
}
