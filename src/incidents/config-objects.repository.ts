import type { Kysely, Selectable } from 'kysely';
import type { ConfigObjectKind, ConfigObjectsTable, Database, ManagedBy } from '../db/types.js';

export type ConfigObjectRow = Selectable<ConfigObjectsTable>;

/** The only place that knows how escalation policies, contacts, rotations and maintenance windows are stored. */
export class ConfigObjectsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  all(kind?: ConfigObjectKind): Promise<ConfigObjectRow[]> {
    return this.db
      .selectFrom('config_objects')
      .selectAll()
      .$if(kind !== undefined, (q) => q.where('kind', '=', kind!))
      .orderBy('id')
      .execute();
  }

  get(kind: ConfigObjectKind, id: number): Promise<ConfigObjectRow | undefined> {
    return this.db.selectFrom('config_objects').selectAll().where('kind', '=', kind).where('id', '=', id).executeTakeFirst();
  }

  getByName(kind: ConfigObjectKind, name: string): Promise<ConfigObjectRow | undefined> {
    return this.db.selectFrom('config_objects').selectAll().where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
  }

  async insert(kind: ConfigObjectKind, name: string, spec: string, managedBy: ManagedBy, now: number): Promise<number> {
    const { id } = await this.db
      .insertInto('config_objects')
      .values({ kind, name, spec, managed_by: managedBy, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async update(id: number, name: string, spec: string, managedBy: ManagedBy, now: number): Promise<void> {
    await this.db.updateTable('config_objects').set({ name, spec, managed_by: managedBy, updated_at: now }).where('id', '=', id).execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('config_objects').where('id', '=', id).execute();
  }

  /** Changes anywhere in the table, cheaply: count and latest update. */
  async signature(): Promise<string> {
    const row = await this.db
      .selectFrom('config_objects')
      .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.max('updated_at').as('latest')])
      .executeTakeFirstOrThrow();
    return `${row.n}:${row.latest}`;
  }
}
