import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { withUpdatesTables, type UpdateInventoriesTable, type UpdateInventoryComponentsTable, type UpdatesDb } from './tables.js';

export type InventoryRow = Omit<UpdateInventoriesTable, 'id'> & { id: number };
export type ComponentRow = UpdateInventoryComponentsTable;

/** The inventory history's SQL: one row per distinct inventory of a site, with its components. */
export class InventoriesRepository {
  private readonly db: UpdatesDb;

  constructor(db: Kysely<Database>) {
    this.db = withUpdatesTables(db);
  }

  latest(siteId: number, source: InventoryRow['source']): Promise<InventoryRow | undefined> {
    return this.db
      .selectFrom('update_inventories')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('source', '=', source)
      .orderBy('taken_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  get(id: number): Promise<InventoryRow | undefined> {
    return this.db.selectFrom('update_inventories').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(siteId: number, limit: number): Promise<InventoryRow[]> {
    return this.db
      .selectFrom('update_inventories')
      .selectAll()
      .where('site_id', '=', siteId)
      .orderBy('taken_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  async touch(id: number, at: number): Promise<void> {
    await this.db.updateTable('update_inventories').set({ checked_at: at }).where('id', '=', id).execute();
  }

  /** A new inventory and its components, in one transaction. */
  insert(row: Omit<InventoryRow, 'id'>, components: readonly Omit<ComponentRow, 'inventory_id'>[]): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const { id } = await trx.insertInto('update_inventories').values(row).returning('id').executeTakeFirstOrThrow();
      // Chunked: SQLite takes at most 32,766 bound values in one statement.
      for (let i = 0; i < components.length; i += 500)
        await trx
          .insertInto('update_inventory_components')
          .values(components.slice(i, i + 500).map((c) => ({ ...c, inventory_id: id })))
          .execute();
      return id;
    });
  }

  components(inventoryId: number): Promise<ComponentRow[]> {
    return this.db
      .selectFrom('update_inventory_components')
      .selectAll()
      .where('inventory_id', '=', inventoryId)
      .orderBy('ecosystem')
      .orderBy('name')
      .orderBy('version')
      .execute();
  }

  /** The id of every site's newest inventory per source. */
  private newestIds() {
    return this.db
      .selectFrom('update_inventories')
      .select((eb) => eb.fn.max('id').as('id'))
      .groupBy(['site_id', 'source']);
  }

  /** Every site's newest inventory per source. */
  newestOfAll(): Promise<InventoryRow[]> {
    return this.db
      .selectFrom('update_inventories as i')
      .selectAll('i')
      .where('i.id', 'in', this.newestIds())
      .orderBy('i.site_id')
      .orderBy('i.source')
      .execute();
  }

  /** The components of each site's newest inventory per source (their columns, not the detail), for counts across many sites. */
  newestComponents(siteIds: readonly number[]): Promise<(Omit<ComponentRow, 'detail' | 'inventory_id'> & { site_id: number })[]> {
    if (!siteIds.length) return Promise.resolve([]);
    return this.db
      .selectFrom('update_inventory_components as c')
      .innerJoin('update_inventories as i', 'i.id', 'c.inventory_id')
      .select(['i.site_id', 'c.ecosystem', 'c.name', 'c.version', 'c.latest', 'c.eol_date', 'c.end_of_life', 'c.vulnerabilities', 'c.worst_severity'])
      .where('i.site_id', 'in', [...siteIds])
      .where('i.id', 'in', this.newestIds())
      .execute();
  }
}
