import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';
import { withUpdatesTables, type UpdateEventsTable, type UpdateRunStepsTable, type UpdateRunsTable, type UpdatesDb } from '../tables.js';

export type RunRow = Omit<UpdateRunsTable, 'id'> & { id: number };
export type StepRow = UpdateRunStepsTable;
export type EventRow = Omit<UpdateEventsTable, 'id'> & { id: number };

/** The SQL of update runs: the run and its state machine, its step log, its events and the per-site lease. */
export class RunsRepository {
  private readonly db: UpdatesDb;

  constructor(db: Kysely<Database>) {
    this.db = withUpdatesTables(db);
  }

  async insert(row: Omit<RunRow, 'id'>): Promise<number> {
    return (await this.db.insertInto('update_runs').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  get(id: number): Promise<RunRow | undefined> {
    return this.db.selectFrom('update_runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(siteId: number, limit: number): Promise<RunRow[]> {
    return this.db.selectFrom('update_runs').selectAll().where('site_id', '=', siteId).orderBy('id', 'desc').limit(limit).execute();
  }

  running(): Promise<RunRow[]> {
    return this.db.selectFrom('update_runs').selectAll().where('status', '=', 'running').orderBy('id').execute();
  }

  /** The run's new state and the events it causes (and `also`, their messages), in one transaction: a restart finds all or nothing. */
  async save(
    id: number,
    change: Pick<RunRow, 'status' | 'phase' | 'state' | 'reason' | 'updated_at' | 'finished_at'>,
    events: readonly Omit<EventRow, 'id'>[],
    also?: (trx: Kysely<Database>) => Promise<unknown>,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('update_runs').set(change).where('id', '=', id).execute();
      if (events.length)
        await trx
          .insertInto('update_events')
          .values([...events])
          .execute();
      // The same transaction, seen with the shared tables only (the outbox's).
      await also?.(trx as unknown as Kysely<Database>);
    });
  }

  async addStep(row: StepRow): Promise<void> {
    await this.db.insertInto('update_run_steps').values(row).execute();
  }

  async finishStep(runId: number, seq: number, change: Pick<StepRow, 'status' | 'output' | 'finished_at'>): Promise<void> {
    await this.db.updateTable('update_run_steps').set(change).where('run_id', '=', runId).where('seq', '=', seq).execute();
  }

  steps(runId: number): Promise<StepRow[]> {
    return this.db.selectFrom('update_run_steps').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
  }

  events(runId: number): Promise<EventRow[]> {
    return this.db.selectFrom('update_events').selectAll().where('run_id', '=', runId).orderBy('id').execute();
  }

  /**
   * Takes the site's lease for a run: free, expired, or already this runner's. Returns the run that
   * holds it when another one does.
   */
  async lease(siteId: number, runId: number, owner: string, now: number, expiresAt: number): Promise<{ taken: true } | { taken: false; runId: number }> {
    // One statement decides: two runners racing for a free or expired lease cannot both win.
    await this.db
      .insertInto('update_locks')
      .values({ site_id: siteId, run_id: runId, owner, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column('site_id')
          .doUpdateSet({ run_id: runId, owner, expires_at: expiresAt })
          .where((eb) =>
            eb.or([eb('update_locks.expires_at', '<=', now), eb.and([eb('update_locks.run_id', '=', runId), eb('update_locks.owner', '=', owner)])]),
          ),
      )
      .execute();
    const held = await this.lockOf(siteId);
    return held && held.run_id === runId && held.owner === owner ? { taken: true } : { taken: false, runId: held?.run_id ?? 0 };
  }

  /** Extends the lease while its owner still holds it; false when another runner took it over. */
  async renew(siteId: number, runId: number, owner: string, expiresAt: number): Promise<boolean> {
    const result = await this.db
      .updateTable('update_locks')
      .set({ expires_at: expiresAt })
      .where('site_id', '=', siteId)
      .where('run_id', '=', runId)
      .where('owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async release(siteId: number, runId: number): Promise<void> {
    await this.db.deleteFrom('update_locks').where('site_id', '=', siteId).where('run_id', '=', runId).execute();
  }

  lockOf(siteId: number): Promise<{ run_id: number; owner: string; expires_at: number } | undefined> {
    return this.db.selectFrom('update_locks').select(['run_id', 'owner', 'expires_at']).where('site_id', '=', siteId).executeTakeFirst();
  }
}
