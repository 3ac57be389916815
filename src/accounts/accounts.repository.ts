import type { Kysely } from 'kysely';
import type { ApiTokenRow, Database, Role, TokenScope, UserRow } from '../db/types.js';

/** The only place that knows how users and API tokens are stored. */
export class AccountsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  getUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  async countUsers(): Promise<number> {
    const { n } = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  async insertUser(user: { email: string; passwordHash: string; role: Role }, now: number): Promise<number> {
    const { id } = await this.db
      .insertInto('users')
      .values({ email: user.email, password_hash: user.passwordHash, role: user.role, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  async insertToken(
    token: { userId: number | null; name: string; prefix: string; hash: string; scope: TokenScope; expiresAt: number | null },
    now: number,
  ): Promise<number> {
    const { id } = await this.db
      .insertInto('api_tokens')
      .values({
        user_id: token.userId,
        name: token.name,
        prefix: token.prefix,
        token_hash: token.hash,
        scope: token.scope,
        expires_at: token.expiresAt,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  getTokenByHash(hash: string): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  }

  async touchToken(id: number, now: number): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  listTokens(): Promise<ApiTokenRow[]> {
    return this.db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
  }

  async revokeToken(id: number, now: number): Promise<boolean> {
    const result = await this.db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
