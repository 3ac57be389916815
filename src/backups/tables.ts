import type { Generated, Kysely } from 'kysely';
import type { Database } from '../db/types.js';

type Millis = number;

export interface BackupSettingsTable {
  /** Always 1: there is one `backups:` section. */
  id: number;
  /** The parsed section, sealed with the instance key (it holds repository passwords). */
  sealed: string;
  /** `${VAR}` references by dotted path below `backups.`, JSON, so export writes them back. */
  env_refs: string;
  updated_at: Millis;
}

export type BackupRunKind = 'backup' | 'drill' | 'check' | 'restore';

export interface BackupRunsTable {
  id: Generated<number>;
  kind: BackupRunKind;
  /** Null for repository checks. */
  job: string | null;
  repository: string;
  started_at: Millis;
  finished_at: Millis;
  ok: number;
  message: string;
  snapshot_id: string | null;
}

// A type, not an interface: withTables needs the index signature that only type aliases carry.
export type BackupTables = {
  backup_settings: BackupSettingsTable;
  backup_runs: BackupRunsTable;
};

export type BackupDb = Kysely<Database & BackupTables>;

/** The shared handle with the backup tables added to its type. */
export const withBackupTables = (db: Kysely<Database>): BackupDb => db.withTables<BackupTables>();
