import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Database, ManagedBy, Millis } from '../db/types.js';

/** The table of migration 0405, beside the capability (added with `db.withTables`). */
export interface PlannedWorkTable {
  id: Generated<number>;
  site_id: number;
  title: string;
  kind: string;
  target_date: string;
  state: string;
  notes: string;
  maintenance_id: number | null;
  created_at: Millis;
  updated_at: Millis;
  /** Written by upkeep.yaml or the API (migration 0406). */
  managed_by: ColumnType<ManagedBy, ManagedBy | undefined, ManagedBy>;
}

// A type, not an interface: withTables needs the index signature that only type aliases carry.
export type PlannedWorkTables = { planned_work: PlannedWorkTable };
export type PlannedWorkDb = Kysely<Database & PlannedWorkTables>;
export const withPlannedWorkTables = (db: Kysely<Database>): PlannedWorkDb => db.withTables<PlannedWorkTables>();
