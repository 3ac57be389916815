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

/** `waiting`: approved, waiting for the policy's maintenance window to open (migration 0304). */
export const approvalStatuses = ['pending', 'approved', 'waiting', 'rejected', 'superseded', 'expired', 'failed'] as const;
export type ApprovalStatus = (typeof approvalStatuses)[number];

/** Migration 0303: planned runs and their approvals. */
export interface UpdateApprovalsTable {
  id: Generated<number>;
  site_id: number;
  status: ApprovalStatus;
  plan: string;
  plan_hash: string;
  requested_by: string;
  requested_at: Millis;
  expires_at: Millis;
  decided_by: string | null;
  decided_at: Millis | null;
  reason: string | null;
  run_id: number | null;
  /** Migration 0304: the maintenance window a `waiting` approval waits for, and the start of its next occurrence. */
  wait_window: string | null;
  starts_at: Millis | null;
}

/** Migration 0303: the incident opened for a vulnerable or end-of-life component version, once. */
export interface UpdateComponentIncidentsTable {
  site_id: number;
  ecosystem: string;
  name: string;
  version: string;
  reason: 'vulnerable' | 'end-of-life';
  incident_id: number;
  opened_at: Millis;
  resolved_at: Millis | null;
}

/** Migration 0305: the knowledge the server refreshed (one row, `refreshed`), shared by every node. */
export interface UpdateKnowledgeTable {
  name: string;
  built_at: string;
  /** The gzipped knowledge file (snapshot/format.ts). */
  data: Uint8Array;
  /** JSON: each source's last attempt, `KnowledgeAttempt[]`. */
  attempts: string;
  checked_at: Millis;
}

/** Migration 0306: `updates.sites` and `updates.knowledge` as last applied (one row, id 1), sealed. */
export interface UpdateSettingsTable {
  id: number;
  sealed: string;
  /** JSON: the `${VAR}` references by dotted path below `updates.`. */
  env_refs: string;
  updated_at: Millis;
}

// A type, not an interface: withTables needs the index signature that only type aliases carry.
export type UpdatesTables = {
  update_inventories: UpdateInventoriesTable;
  update_inventory_components: UpdateInventoryComponentsTable;
  update_runs: UpdateRunsTable;
  update_run_steps: UpdateRunStepsTable;
  update_events: UpdateEventsTable;
  update_locks: UpdateLocksTable;
  update_approvals: UpdateApprovalsTable;
  update_component_incidents: UpdateComponentIncidentsTable;
  update_knowledge: UpdateKnowledgeTable;
  update_settings: UpdateSettingsTable;
};

export type UpdatesDb = Kysely<Database & UpdatesTables>;

/** The shared handle with the updates tables added to its type. */
export const withUpdatesTables = (db: Kysely<Database>): UpdatesDb => db.withTables<UpdatesTables>();
