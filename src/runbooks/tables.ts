import type { Generated, Kysely } from 'kysely';
import type { Database, Millis } from '../db/types.js';

/** The tables of migration 0402, beside the capability (added with `db.withTables`). */
export interface RunbooksTable {
  id: Generated<number>;
  site_id: number;
  monitor_id: number | null;
  title: string;
  version: number;
  created_at: Millis;
  updated_at: Millis;
}

export interface RunbookVersionsTable {
  runbook_id: number;
  version: number;
  title: string;
  body: string;
  author: string;
  at: Millis;
}

// A type, not an interface: withTables needs the index signature that only type aliases carry.
export type RunbookTables = { runbooks: RunbooksTable; runbook_versions: RunbookVersionsTable };
export type RunbooksDb = Kysely<Database & RunbookTables>;
export const withRunbookTables = (db: Kysely<Database>): RunbooksDb => db.withTables<RunbookTables>();
