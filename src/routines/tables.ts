import type { Generated, Kysely } from 'kysely';
import type { Database, ManagedBy, Millis } from '../db/types.js';

/** The tables of migration 0401, beside the capability (added with `db.withTables`). */
export interface RoutinesTable {
  id: Generated<number>;
  site_id: number;
  name: string;
  spec: string;
  managed_by: ManagedBy;
  due_at: Millis | null;
  reminded_for: Millis | null;
  alerted_for: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface RoutineRunsTable {
  id: Generated<number>;
  routine_id: number;
  due_at: Millis | null;
  completed_at: Millis;
  completed_by: string;
  notes: string;
  evidence: string;
  checklist: string;
}

// A type, not an interface: withTables needs the index signature that only type aliases carry.
export type RoutineTables = { routines: RoutinesTable; routine_runs: RoutineRunsTable };
export type RoutinesDb = Kysely<Database & RoutineTables>;
export const withRoutineTables = (db: Kysely<Database>): RoutinesDb => db.withTables<RoutineTables>();
