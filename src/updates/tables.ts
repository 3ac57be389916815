import type { Generated, Kysely } from 'kysely';
import type { Database, Millis } from '../db/types.js';

/** The tables of migration 0300, kept beside the capability and added with `db.withTables` where they are needed. */
export interface UpdateInventoriesTable {
  id: Generated<number>;
  site_id: number;
  source: 'ssh' | 'outside';
  target: string;
  fingerprint: string;
  knowledge_built_at: string;
  taken_at: Millis;
  checked_at: Millis;
}

export interface UpdateInventoryComponentsTable {
  inventory_id: number;
  ecosystem: string;
  name: string;
  version: string | null;
  latest: string | null;
  eol_date: string | null;
  end_of_life: number;
  vulnerabilities: number;
  worst_severity: string | null;
  detail: string;
}

export type RunStatus = 'running' | 'succeeded' | 'rolled_back' | 'rollback_failed' | 'failed';

export interface UpdateRunsTable {
  id: Generated<number>;
  site_id: number;
  status: RunStatus;
  phase: string;
  spec: string;
  secrets: string | null;
  state: string;
  reason: string | null;
  created_at: Millis;
  updated_at: Millis;
  finished_at: Millis | null;
}

export type StepStatus = 'running' | 'ok' | 'failed' | 'skipped';

export interface UpdateRunStepsTable {
  run_id: number;
  seq: number;
  phase: string;
  title: string;
  status: StepStatus;
  output: string;
  started_at: Millis;
  finished_at: Millis | null;
}

export interface UpdateEventsTable {
  id: Generated<number>;
  run_id: number;
  site_id: number;
  event: string;
  payload: string;
  at: Millis;
}

export interface UpdateLocksTable {
  site_id: number;
  run_id: number;
  owner: string;
  expires_at: Millis;
}

// A type, not an interface: withTables needs the index signature that only type aliases carry.
export type UpdatesTables = {
  update_inventories: UpdateInventoriesTable;
  update_inventory_components: UpdateInventoryComponentsTable;
  update_runs: UpdateRunsTable;
  update_run_steps: UpdateRunStepsTable;
  update_events: UpdateEventsTable;
  update_locks: UpdateLocksTable;
};

export type UpdatesDb = Kysely<Database & UpdatesTables>;

/** The shared handle with the updates tables added to its type. */
export const withUpdatesTables = (db: Kysely<Database>): UpdatesDb => db.withTables<UpdatesTables>();
