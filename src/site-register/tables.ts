import type { ColumnType, Kysely } from 'kysely';
import type { Database, ManagedBy, Millis } from '../db/types.js';

/** The table of migration 0403, beside the capability (added with `db.withTables`). */
export interface SiteRegistersTable {
  site_id: number;
  body: string;
  secrets: string | null;
  updated_at: Millis;
  /** Written by upkeep.yaml or the API (migration 0406). */
  managed_by: ColumnType<ManagedBy, ManagedBy | undefined, ManagedBy>;
  /** The `${VAR}` templates credential locations were written with, by path (migration 0406). */
  env_refs: ColumnType<string | null, string | null | undefined, string | null>;
}

// A type, not an interface: withTables needs the index signature that only type aliases carry.
export type RegisterTables = { site_registers: SiteRegistersTable };
export type RegisterDb = Kysely<Database & RegisterTables>;
export const withRegisterTables = (db: Kysely<Database>): RegisterDb => db.withTables<RegisterTables>();
