import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { withUpdatesTables, type UpdateKnowledgeTable, type UpdatesDb } from './tables.js';

const NAME = 'refreshed';

/** The refreshed knowledge's SQL (migration 0305): one row, read in two steps so a node fetches the data only when it changed. */
export class KnowledgeRepository {
  private readonly db: UpdatesDb;

  constructor(db: Kysely<Database>) {
    this.db = withUpdatesTables(db);
  }

  /** When the stored copy was built and what each source answered last; undefined before the first refresh. */
  meta(): Promise<Omit<UpdateKnowledgeTable, 'name' | 'data'> | undefined> {
    return this.db.selectFrom('update_knowledge').select(['built_at', 'attempts', 'checked_at']).where('name', '=', NAME).executeTakeFirst();
  }

  async data(): Promise<{ built_at: string; data: Uint8Array } | undefined> {
    return this.db.selectFrom('update_knowledge').select(['built_at', 'data']).where('name', '=', NAME).executeTakeFirst();
  }

  /** Replaces the stored copy and the attempts. */
  async save(row: Omit<UpdateKnowledgeTable, 'name'>): Promise<void> {
    await this.db
      .insertInto('update_knowledge')
      .values({ name: NAME, ...row })
      .onConflict((oc) => oc.column('name').doUpdateSet(row))
      .execute();
  }
}
