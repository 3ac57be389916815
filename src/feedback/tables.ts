import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Database, ManagedBy, Millis } from '../db/types.js';

/** The tables of migration 0400, beside the capability like the status pages' (added with `db.withTables`). */
export interface FeedbackWidgetsTable {
  site_id: number;
  site_key: string;
  origins: string;
  created_at: Millis;
  updated_at: Millis;
  /** Written by upkeep.yaml or the API (migration 0406). */
  managed_by: ColumnType<ManagedBy, ManagedBy | undefined, ManagedBy>;
}

export const feedbackStates = ['new', 'triaged', 'linked', 'done'] as const;
export type FeedbackState = (typeof feedbackStates)[number];

export interface FeedbackTable {
  id: Generated<number>;
  site_id: number;
  went_wrong: number | null;
  rating: number | null;
  comment: string;
  email: string | null;
  page_url: string | null;
  user_agent: string | null;
  reporter: string;
  state: FeedbackState;
  tags: string;
  incident_id: number | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface FeedbackSpikesTable {
  site_id: number;
  at: Millis;
  reports: number;
}

// A type, not an interface: withTables needs the index signature that only type aliases carry.
export type FeedbackTables = {
  feedback_widgets: FeedbackWidgetsTable;
  feedback: FeedbackTable;
  feedback_spikes: FeedbackSpikesTable;
};

export type FeedbackDb = Kysely<Database & FeedbackTables>;

export const withFeedbackTables = (db: Kysely<Database>): FeedbackDb => db.withTables<FeedbackTables>();
