import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestCore, testEnv } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { until } from '../support/receivers.js';
import { startServer } from '../../src/main.js';

describe.each(dialects)('/readyz on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  afterAll(async () => db?.cleanup());

  it('says that the database does not answer, never what the database said; the log has that', async () => {
    db = await createTestDatabase(dialect);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const server = await startServer({ dataDir: db.dataDir, env: testEnv(db), logger, config: undefined, port: 0, host: '127.0.0.1' });
    const readyz = async () => {
      const res = await fetch(`${server.url}/readyz`);
      return { status: res.status, text: await res.text() };
    };
    // Another hand breaks the database under the running server: the tables it reads are gone.
    const other = await openTestCore(db);
    const rename = async (from: string, to: string) => sql.raw(`alter table ${from} rename to ${to}`).execute(other.storage.db);
    try {
      expect((await readyz()).status).toBe(200);
      await rename('upkeep_migrations', 'upkeep_migrations_away');
      await rename('sites', 'sites_away');
      const broken = await readyz();
      expect(broken.status).toBe(503);
      expect(JSON.parse(broken.text)).toMatchObject({ status: 'not ready', checks: { database: 'unavailable' } });
      expect(broken.text).not.toMatch(/upkeep_migrations|sites|relation|table|SQLITE|exist/i);
      expect(lines.join('')).toMatch(/upkeep_migrations|sites/);
      await rename('upkeep_migrations_away', 'upkeep_migrations');
      await rename('sites_away', 'sites');
      await until('ready again', async () => (await readyz()).status === 200, 10_000);
    } finally {
      await other.close();
      await server.close();
    }
  }, 60_000);
});
