import type { Kysely } from 'kysely';
import type { ChannelRow, Database, ManagedBy } from '../db/types.js';

export interface ChannelWrite {
  name: string;
  type: string;
  spec: string;
  secrets: string | null;
  envRefs: string | null;
  managedBy: ManagedBy;
}

/** The only place that knows how notification channels are stored. */
export class ChannelsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  all(): Promise<ChannelRow[]> {
    return this.db.selectFrom('channels').selectAll().orderBy('id').execute();
  }

  /** The ids of the channels of these names (names that are no channel are left out). */
  byNames(names: readonly string[]): Promise<{ id: number; name: string }[]> {
    return this.db
      .selectFrom('channels')
      .select(['id', 'name'])
      .where('name', 'in', [...names])
      .execute();
  }

  get(id: number): Promise<ChannelRow | undefined> {
    return this.db.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insert(channel: ChannelWrite, now: number): Promise<number> {
    const { id } = await this.db
      .insertInto('channels')
      .values({ ...columns(channel), created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async update(id: number, channel: ChannelWrite, now: number): Promise<void> {
    await this.db
      .updateTable('channels')
      .set({ ...columns(channel), updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('channels').where('id', '=', id).execute();
  }
}

const columns = (c: ChannelWrite) => ({ name: c.name, type: c.type, spec: c.spec, secrets: c.secrets, env_refs: c.envRefs, managed_by: c.managedBy });
