import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import * as foundation from './0001-foundation.js';
import * as monitoring from './0002-monitoring.js';
import * as incidents from './0003-incidents.js';
import * as accounts from './0004-accounts.js';
import * as accountScope from './0005-account-scope.js';
import * as ssoIdentities from './0006-sso-identities.js';
import * as deliveryOrder from './0007-delivery-order.js';
import * as compactHistory from './0008-compact-history.js';
import * as changeSignatureIndexes from './0009-change-signature-indexes.js';
import * as audits from './0100-audits.js';
import * as statusPages from './0200-status-pages.js';
import * as oneOutbox from './0201-one-outbox.js';
import * as updates from './0300-updates.js';
import * as backups from './0302-backups.js';
import * as updateApprovals from './0303-update-approvals.js';
import * as updateWindows from './0304-update-windows.js';
import * as updateKnowledge from './0305-update-knowledge.js';
import * as updateSettings from './0306-update-settings.js';
import * as feedback from './0400-feedback.js';
import * as routines from './0401-routines.js';
import * as runbooks from './0402-runbooks.js';
import * as register from './0403-register.js';
import * as privacyRecords from './0404-privacy-records.js';
import * as plannedWork from './0405-planned-work.js';
import * as paperworkOwners from './0406-paperwork-owners.js';
import * as owners from './0500-owners.js';
import * as objectives from './0501-objectives.js';
import * as cluster from './0600-cluster.js';
import * as probes from './0601-probes.js';
import * as probeBacklog from './0610-probe-backlog.js';
import * as changeNotices from './0620-change-notices.js';
import * as reportArchive from './0502-report-archive.js';

export type Dialect = 'sqlite' | 'postgres';

/** What a migration needs to know to write the same schema on both databases. */
export interface MigrationContext {
  dialect: Dialect;
  /** The type of an auto-incrementing integer key... */
  id: 'integer' | 'serial';
  /** ...and its constraints: a key that is never reused, so a deleted monitor's id never points at a new one. */
  key: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  /** A 64-bit integer column (timestamps in milliseconds). */
  bigint: 'integer' | 'bigint';
}

type Step = { up(db: Kysely<unknown>, ctx: MigrationContext): Promise<void> };

/** Every migration, in order. Names sort in the order they run; never rename or edit one that has shipped. */
const steps: Record<string, Step> = {
  '0001-foundation': foundation,
  '0002-monitoring': monitoring,
  '0003-incidents': incidents,
  '0004-accounts': accounts,
  '0005-account-scope': accountScope,
  '0006-sso-identities': ssoIdentities,
  '0007-delivery-order': deliveryOrder,
  '0008-compact-history': compactHistory,
  '0009-change-signature-indexes': changeSignatureIndexes,
  '0100-audits': audits,
  // Issue 5 (status pages) numbers its migrations from 0200 so they never collide with the main line's.
  '0200-status-pages': statusPages,
  '0201-one-outbox': oneOutbox,
  // Issue 15 (updates) numbers its migrations from 0300.
  '0300-updates': updates,
  // Issue 18 (backups in the API, self-backup) takes 0302 on.
  '0302-backups': backups,
  '0303-update-approvals': updateApprovals,
  '0304-update-windows': updateWindows,
  '0305-update-knowledge': updateKnowledge,
  '0306-update-settings': updateSettings,
  // Issue 17 (users' voice, routines) numbers its migrations from 0400.
  '0400-feedback': feedback,
  '0401-routines': routines,
  '0402-runbooks': runbooks,
  '0403-register': register,
  '0404-privacy-records': privacyRecords,
  '0405-planned-work': plannedWork,
  '0406-paperwork-owners': paperworkOwners,
  // Issue 16 (goals: owners, objectives, reports) numbers its migrations from 0500.
  '0500-owners': owners,
  '0501-objectives': objectives,
  // Issue 19 (cluster mode) numbers its migrations from 0600.
  '0600-cluster': cluster,
  '0601-probes': probes,
  '0610-probe-backlog': probeBacklog,
  '0620-change-notices': changeNotices,
  '0502-report-archive': reportArchive,
};

export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  const ctx: MigrationContext =
    dialect === 'sqlite'
      ? { dialect, id: 'integer', key: (c) => c.primaryKey().autoIncrement(), bigint: 'integer' }
      : { dialect, id: 'serial', key: (c) => c.primaryKey(), bigint: 'bigint' };
  return Object.fromEntries(Object.entries(steps).map(([name, step]) => [name, { up: (db: Kysely<unknown>) => step.up(db, ctx) }]));
}
