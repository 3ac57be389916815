import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../../src/db/connection.js';
import { createTestDatabase, dialects } from '../support/databases.js';
import { migrateAllBut } from '../support/migrations.js';

/** Accounts made before scopes were written down keep the reach they had: team members "teams", everyone else "instance". */
describe.each(dialects)('the account scope migration on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  it('gives existing accounts the scope they had', async () => {
    const test = await createTestDatabase(dialect);
    const storage = openStorage({ url: test.url, dataDir: test.dataDir });
    try {
      await migrateAllBut(storage.db, dialect, '0005-account-scope');
      // Raw SQL: the table as it was, without the scope column the current types know.
      const user = async (email: string, role: string) =>
        (
          await sql<{
            id: number;
          }>`insert into users (email, password_hash, role, created_at, updated_at) values (${email}, 'x', ${role}, 0, 0) returning id`.execute(storage.db)
        ).rows[0]!.id;
      const team = (
        await sql<{ id: number }>`insert into teams (name, spec, created_at, updated_at) values ('Acme', '{}', 0, 0) returning id`.execute(storage.db)
      ).rows[0]!.id;
      const ids = {
        owner: await user('owner@agency.test', 'owner'),
        editor: await user('editor@agency.test', 'editor'),
        client: await user('it@acme.test', 'viewer'),
        adminInTeam: await user('admin@agency.test', 'admin'),
      };
      for (const id of [ids.client, ids.adminInTeam])
        await sql`insert into memberships (user_id, team_id, role) values (${id}, ${team}, 'viewer')`.execute(storage.db);

      expect(await storage.migrate()).toEqual(['0005-account-scope']);
      const rows = await storage.db.selectFrom('users').select(['email', 'scope']).orderBy('id').execute();
      expect(rows).toEqual([
        { email: 'owner@agency.test', scope: 'instance' },
        { email: 'editor@agency.test', scope: 'instance' },
        { email: 'it@acme.test', scope: 'teams' },
        { email: 'admin@agency.test', scope: 'instance' },
      ]);
    } finally {
      await storage.close();
      await test.cleanup();
    }
  });
});
