import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ActivityTable, Database, SessionsTable } from '../db/types.js';

export type SessionRow = Selectable<SessionsTable>;
export type ActivityRow = Selectable<ActivityTable>;

/** The only place that knows how sessions and the activity log are stored. */
export class SessionsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<SessionsTable>): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  get(id: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
  }

  /** Ends sessions: one, or every one of a user (optionally but one). */
  async revoke(where: { id?: string; userId?: number; except?: string }, now: number): Promise<number> {
    let q = this.db.updateTable('sessions').set({ revoked_at: now }).where('revoked_at', 'is', null);
    if (where.id) q = q.where('id', '=', where.id);
    if (where.userId !== undefined) q = q.where('user_id', '=', where.userId);
    if (where.except) q = q.where('id', '!=', where.except);
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  }

  /** Whether the user has had a session from this address (while sessions are kept: up to their maximum age). */
  async hasLoggedInFrom(userId: number, ip: string): Promise<boolean> {
    return (await this.db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('ip', '=', ip).limit(1).executeTakeFirst()) !== undefined;
  }

  active(userId: number, now: number): Promise<SessionRow[]> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('last_seen_at', 'desc')
      .execute();
  }

  async deleteExpired(before: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<', before).execute();
  }

  async log(row: Insertable<ActivityTable>): Promise<void> {
    await this.db.insertInto('activity').values(row).execute();
  }

  activity(filter: { beforeId?: number | undefined; limit: number; userId?: number | undefined }): Promise<ActivityRow[]> {
    return this.db
      .selectFrom('activity')
      .selectAll()
      .$if(filter.beforeId !== undefined, (q) => q.where('id', '<', filter.beforeId!))
      .$if(filter.userId !== undefined, (q) => q.where('user_id', '=', filter.userId!))
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .execute();
  }
}
