import type { Selectable } from 'kysely';
import type { RegisterDb, SiteRegistersTable } from './tables.js';

export type RegisterRow = Selectable<SiteRegistersTable>;

/** The only place that knows how registers are stored, and where the site's domain and certificate checks put their dates. */
export class RegisterRepository {
  constructor(private readonly db: RegisterDb) {}

  get(siteId: number): Promise<RegisterRow | undefined> {
    return this.db.selectFrom('site_registers').selectAll().where('site_id', '=', siteId).executeTakeFirst();
  }

  all(): Promise<RegisterRow[]> {
    return this.db.selectFrom('site_registers').selectAll().orderBy('site_id').execute();
  }

  async put(row: RegisterRow): Promise<void> {
    const { site_id: _, ...change } = row;
    await this.db
      .insertInto('site_registers')
      .values(row)
      .onConflict((oc) => oc.column('site_id').doUpdateSet(change))
      .execute();
  }

  async delete(siteId: number): Promise<void> {
    await this.db.deleteFrom('site_registers').where('site_id', '=', siteId).execute();
  }

  /** The newest result with details of each of the site's monitors of these types (domain, tls). */
  async latestDetails(siteId: number, types: readonly string[]): Promise<{ name: string; type: string; at: number; detail: string }[]> {
    const monitors = await this.db
      .selectFrom('monitors')
      .select(['id', 'name', 'type'])
      .where('site_id', '=', siteId)
      .where('type', 'in', [...types])
      .execute();
    const out: { name: string; type: string; at: number; detail: string }[] = [];
    for (const m of monitors) {
      const last = await this.db
        .selectFrom('check_results')
        .select(['at', 'detail'])
        .where('monitor_id', '=', m.id)
        .where('detail', 'is not', null)
        .orderBy('at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (last?.detail) out.push({ name: m.name, type: m.type, at: Number(last.at), detail: last.detail });
    }
    return out;
  }
}
