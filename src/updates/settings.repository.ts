import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { withUpdatesTables, type UpdateSettingsTable, type UpdatesDb } from './tables.js';

/** The stored `updates.sites` and `updates.knowledge` (migration 0306): one row, id 1. */
export class UpdateSettingsRepository {
  private readonly db: UpdatesDb;

  constructor(db: Kysely<Database>) {
    this.db = withUpdatesTables(db);
  }

  get(): Promise<UpdateSettingsTable | undefined> {
    return this.db.selectFrom('update_settings').selectAll().where('id', '=', 1).executeTakeFirst();
  }

  async save(row: Omit<UpdateSettingsTable, 'id'>): Promise<void> {
    const updated = await this.db.updateTable('update_settings').set(row).where('id', '=', 1).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      await this.db
        .insertInto('update_settings')
        .values({ id: 1, ...row })
        .execute();
  }

  async delete(): Promise<void> {
    await this.db.deleteFrom('update_settings').execute();
  }
}
