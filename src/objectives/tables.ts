import type { Kysely } from 'kysely';
import type { Database, Millis } from '../db/types.js';

/** The table of migration 0501, kept beside the capability (see status-pages/tables.ts). */
export interface ObjectiveDaysTable {
  site_id: number;
  objective: string;
  day: string;
  checks: number;
  failed: number;
  attainment: number | null;
  budget_remaining: number | null;
  met: number | null;
  evaluated_at: Millis;
}

// A type, not an interface: withTables needs the index signature that only type aliases carry.
export type ObjectiveTables = { objective_days: ObjectiveDaysTable };

export type ObjectivesDb = Kysely<Database & ObjectiveTables>;

export const withObjectiveTables = (db: Kysely<Database>): ObjectivesDb => db.withTables<ObjectiveTables>();
