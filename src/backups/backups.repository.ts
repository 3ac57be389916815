import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/types.js';
import { withBackupTables, type BackupDb, type BackupRunKind, type BackupRunsTable, type BackupSettingsTable } from './tables.js';

export type BackupRunRow = Selectable<BackupRunsTable>;
export type BackupSettingsRow = Selectable<BackupSettingsTable>;
export type NewBackupRun = Insertable<BackupRunsTable>;

/** The only place that knows how the applied `backups:` section and the run history are stored. */
export class BackupsRepository {
  private readonly db: BackupDb;

  constructor(db: Kysely<Database>) {
    this.db = withBackupTables(db);
  }

  settings(): Promise<BackupSettingsRow | undefined> {
    return this.db.selectFrom('backup_settings').selectAll().where('id', '=', 1).executeTakeFirst();
  }

  /** When the section last changed (0 when none is stored): cheap enough to poll. */
  async settingsVersion(): Promise<number> {
    const row = await this.db.selectFrom('backup_settings').select('updated_at').where('id', '=', 1).executeTakeFirst();
    return row?.updated_at ?? 0;
  }

  async saveSettings(sealed: string, envRefs: string, now: number): Promise<void> {
    const updated = await this.db.updateTable('backup_settings').set({ sealed, env_refs: envRefs, updated_at: now }).where('id', '=', 1).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      await this.db.insertInto('backup_settings').values({ id: 1, sealed, env_refs: envRefs, updated_at: now }).execute();
  }

  async deleteSettings(): Promise<void> {
    await this.db.deleteFrom('backup_settings').execute();
  }

  async recordRun(run: NewBackupRun): Promise<number> {
    const { id } = await this.db.insertInto('backup_runs').values(run).returning('id').executeTakeFirstOrThrow();
    return id;
  }

  /** Runs newest first, of a job or a repository, of some kinds. */
  runs(filter: { job?: string; repository?: string; kinds: readonly BackupRunKind[]; limit: number; before?: number | undefined }): Promise<BackupRunRow[]> {
    return this.db
      .selectFrom('backup_runs')
      .selectAll()
      .$if(filter.job !== undefined, (q) => q.where('job', '=', filter.job!))
      .$if(filter.repository !== undefined, (q) => q.where('repository', '=', filter.repository!))
      .$if(filter.before !== undefined, (q) => q.where('id', '<', filter.before!))
      .where('kind', 'in', filter.kinds)
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .execute();
  }

  /** The latest run of each kind per job and per repository, for the jobs list. */
  async latestRuns(): Promise<BackupRunRow[]> {
    const latest = this.db
      .selectFrom('backup_runs')
      .select((eb) => eb.fn.max('id').as('id'))
      .groupBy(['kind', 'job', 'repository']);
    return this.db.selectFrom('backup_runs').selectAll().where('id', 'in', latest).execute();
  }
}
