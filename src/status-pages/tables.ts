import type { Generated, Kysely } from 'kysely';
import type { Database, Millis, StoredObjectColumns } from '../db/types.js';

/**
 * The tables of migration 0200, kept beside the capability instead of in db/types.ts: the rest of
 * the code never reads them, and `db.withTables` adds them to a handle where they are needed.
 */
export interface StatusPagesTable extends StoredObjectColumns {
  id: Generated<number>;
  slug: string;
}

export type UpdateStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';

export interface IncidentUpdatesTable {
  id: Generated<number>;
  incident_id: number;
  status: UpdateStatus;
  body: string;
  author: string;
  pages: string | null;
  at: Millis;
}

export type SubscriberKind = 'email' | 'webhook';

export interface StatusSubscribersTable {
  id: Generated<number>;
  page_id: number;
  kind: SubscriberKind;
  address: string;
  secret: string | null;
  components: string | null;
  nonce: string;
  confirmed_at: Millis | null;
  created_at: Millis;
}

/** What a subscriber is sent: a confirmation, news of an incident, or of maintenance (the outbox's `event`). */
export type MessageKind = 'confirm' | 'incident' | 'maintenance';

export interface StatusAnnouncementsTable {
  page_id: number;
  window_name: string;
  occurrence_start: Millis;
  kind: 'announce' | 'reminder';
}

// A type, not an interface: withTables needs the index signature that only type aliases carry.
export type StatusTables = {
  status_pages: StatusPagesTable;
  incident_updates: IncidentUpdatesTable;
  status_subscribers: StatusSubscribersTable;
  status_announcements: StatusAnnouncementsTable;
};

export type StatusDb = Kysely<Database & StatusTables>;

/** The shared handle with the status-page tables added to its type. */
export const withStatusTables = (db: Kysely<Database>): StatusDb => db.withTables<StatusTables>();
