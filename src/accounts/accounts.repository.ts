import { sql, type Kysely, type Updateable } from 'kysely';
import type { AccountScope, ApiTokenRow, Database, MembershipsTable, Role, TokenScope, UserRow, UsersTable } from '../db/types.js';

/** The only place that knows how users and API tokens are stored. */
export class AccountsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  getUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  getUser(id: number): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The accounts with these emails (compared without case), with the teams each is in. */
  async usersByEmails(emails: readonly string[]): Promise<{ id: number; email: string; role: Role; scope: AccountScope; teamIds: number[] }[]> {
    const wanted = [...new Set(emails.map((e) => e.toLowerCase()))];
    if (!wanted.length) return [];
    const users = await this.db
      .selectFrom('users')
      .select(['id', 'email', 'role', 'scope'])
      .where(sql<string>`lower(email)`, 'in', wanted)
      .execute();
    if (!users.length) return [];
    const memberships = await this.db
      .selectFrom('memberships')
      .select(['user_id', 'team_id'])
      .where(
        'user_id',
        'in',
        users.map((u) => u.id),
      )
      .execute();
    return users.map((u) => ({ ...u, teamIds: memberships.filter((m) => m.user_id === u.id).map((m) => m.team_id) }));
  }

  listUsers(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('id').execute();
  }

  async updateUser(id: number, changes: Updateable<UsersTable>): Promise<void> {
    await this.db.updateTable('users').set(changes).where('id', '=', id).execute();
  }

  /**
   * Takes one of `hashes` out of the user's unused recovery codes. The list is replaced only if it is
   * still the one read (tried again when another code was taken meanwhile), so of two requests with
   * one code only one succeeds. Answers how many codes are left, or null when none of `hashes` is unused.
   */
  async consumeRecoveryCode(userId: number, hashes: readonly string[]): Promise<number | null> {
    for (;;) {
      const row = await this.db.selectFrom('users').select('recovery_codes').where('id', '=', userId).executeTakeFirst();
      if (!row?.recovery_codes) return null;
      const left = JSON.parse(row.recovery_codes) as string[];
      const used = left.find((h) => hashes.includes(h));
      if (!used) return null;
      const rest = left.filter((h) => h !== used);
      const result = await this.db
        .updateTable('users')
        .set({ recovery_codes: JSON.stringify(rest) })
        .where('id', '=', userId)
        .where('recovery_codes', '=', row.recovery_codes)
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) return rest.length;
    }
  }

  /** Claims a TOTP time step if it is later than the last one used, in one conditional update: a code works once, also under concurrent logins. */
  async claimTotpStep(userId: number, step: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', userId)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteUser(id: number): Promise<boolean> {
    return Number((await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst()).numDeletedRows) === 1;
  }

  memberships(userId: number): Promise<(MembershipsTable & { spec: string; name: string })[]> {
    return this.db
      .selectFrom('memberships')
      .innerJoin('teams', 'teams.id', 'memberships.team_id')
      .select(['memberships.user_id', 'memberships.team_id', 'memberships.role', 'teams.spec', 'teams.name'])
      .where('memberships.user_id', '=', userId)
      .execute();
  }

  async setMemberships(userId: number, rows: readonly { teamId: number; role: Role }[]): Promise<void> {
    await this.db.deleteFrom('memberships').where('user_id', '=', userId).execute();
    if (rows.length)
      await this.db
        .insertInto('memberships')
        .values(rows.map((r) => ({ user_id: userId, team_id: r.teamId, role: r.role })))
        .execute();
  }

  teams() {
    return this.db.selectFrom('teams').selectAll().orderBy('id').execute();
  }

  getTeamByName(name: string) {
    return this.db.selectFrom('teams').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async upsertTeam(name: string, spec: string, now: number): Promise<number> {
    const existing = await this.getTeamByName(name);
    if (existing) {
      await this.db.updateTable('teams').set({ spec, updated_at: now }).where('id', '=', existing.id).execute();
      return existing.id;
    }
    return (await this.db.insertInto('teams').values({ name, spec, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow()).id;
  }

  async deleteTeam(id: number): Promise<boolean> {
    return Number((await this.db.deleteFrom('teams').where('id', '=', id).executeTakeFirst()).numDeletedRows) === 1;
  }

  async countUsers(): Promise<number> {
    const { n } = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  async insertUser(user: { email: string; passwordHash: string; role: Role; scope: AccountScope }, now: number): Promise<number> {
    const { id } = await this.db
      .insertInto('users')
      .values({ email: user.email, password_hash: user.passwordHash, role: user.role, scope: user.scope, created_at: now, updated_at: now })
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

  listTokens(userId?: number): Promise<ApiTokenRow[]> {
    return this.db
      .selectFrom('api_tokens')
      .selectAll()
      .$if(userId !== undefined, (q) => q.where('user_id', '=', userId!))
      .orderBy('id')
      .execute();
  }

  getToken(id: number): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async revokeToken(id: number, now: number): Promise<boolean> {
    const result = await this.db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
