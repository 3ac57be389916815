import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Database, ManagedBy, Millis } from '../db/types.js';

/** The tables of migration 0404, beside the capability (added with `db.withTables`). */
export interface PrivacyRecordsTable {
  site_id: number;
  body: string;
  reviewed_at: Millis | null;
  updated_at: Millis;
  /** Written by upkeep.yaml or the API (migration 0406). */
  managed_by: ColumnType<ManagedBy, ManagedBy | undefined, ManagedBy>;
}

export interface PrivacyObservationsTable {
  site_id: number;
  kind: 'third-party' | 'cookie';
  name: string;
  detail: string;
  first_seen: Millis;
  last_seen: Millis;
  audit_id: number | null;
}

export interface PrivacyTasksTable {
  id: Generated<number>;
  site_id: number;
  kind: PrivacyTaskKind;
  subject: string;
  summary: string;
  state: 'open' | 'done';
  created_at: Millis;
  done_at: Millis | null;
  done_by: string | null;
}

export const privacyTaskKinds = ['new-third-party', 'processor-outside-eea', 'yearly-review'] as const;
export type PrivacyTaskKind = (typeof privacyTaskKinds)[number];

// A type, not an interface: withTables needs the index signature that only type aliases carry.
export type PrivacyTables = { privacy_records: PrivacyRecordsTable; privacy_observations: PrivacyObservationsTable; privacy_tasks: PrivacyTasksTable };
export type PrivacyDb = Kysely<Database & PrivacyTables>;
export const withPrivacyTables = (db: Kysely<Database>): PrivacyDb => db.withTables<PrivacyTables>();
