import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';

/** The only place that knows how single sign-on identities are stored. */
export class IdentitiesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async userFor(issuer: string, subject: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('user_identities').select('user_id').where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
    return row?.user_id;
  }

  async subjectOf(userId: number, issuer: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('user_identities').select('subject').where('user_id', '=', userId).where('issuer', '=', issuer).executeTakeFirst();
    return row?.subject;
  }

  /** Links `userId` to the identity, replacing the account's earlier identity at that issuer. */
  async link(userId: number, issuer: string, subject: string, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('user_identities').where('user_id', '=', userId).where('issuer', '=', issuer).execute();
      await trx.insertInto('user_identities').values({ issuer, subject, user_id: userId, created_at: now }).execute();
    });
  }

  async unlink(userId: number, issuer: string): Promise<void> {
    await this.db.deleteFrom('user_identities').where('user_id', '=', userId).where('issuer', '=', issuer).execute();
  }
}
