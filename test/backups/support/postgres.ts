import pg from 'pg';

/** The test server CI starts (see docs/backups.md); override with UPKEEP_TEST_PG_* variables. */
export const pgSettings = {
  host: process.env.UPKEEP_TEST_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.UPKEEP_TEST_PG_PORT ?? 5432),
  user: process.env.UPKEEP_TEST_PG_USER ?? 'upkeep',
  password: process.env.UPKEEP_TEST_PG_PASSWORD ?? 'upkeep',
};

export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ ...pgSettings, database: 'postgres', connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export async function pgQuery(database: string, sql: string): Promise<void> {
  const client = new pg.Client({ ...pgSettings, database });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
