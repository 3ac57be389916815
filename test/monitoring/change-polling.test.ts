import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

let db: TestDatabase;
let core: Core;
beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
});
afterAll(async () => {
  await core?.close();
  await db?.cleanup();
});

/**
 * The engine and the status pages poll the newest `updated_at` of monitors and sites every second or
 * two; on SQLite that runs on the main thread. It must be a look into an index, not a scan of every
 * monitor (~90 ms at 100,000 monitors, each time, stalling checks).
 */
it('finds the newest change of monitors and sites through an index, whatever the size of the fleet', async () => {
  for (const table of ['monitors', 'sites']) {
    const plan = await sql<{ detail: string }>`explain query plan select max(updated_at) from ${sql.table(table)}`.execute(core.storage.db);
    expect(plan.rows.map((r) => r.detail).join('; ')).toMatch(new RegExp(`^SEARCH ${table} USING COVERING INDEX ${table}_updated_at`));
  }
});
