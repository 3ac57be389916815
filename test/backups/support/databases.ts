import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPostgresDatabase, postgresUrl } from '../../support/databases.js';
import { hasCommand } from './tools.js';

/** A database source's connection settings, as `backups.jobs[].source` takes them. */
export interface DatabaseSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

function settingsOf(url: string, defaultPort: number): DatabaseSettings {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || defaultPort),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
  };
}

export const postgresReady = postgresUrl !== undefined && hasCommand('pg_dump') && hasCommand('psql');
export const postgresNeeds = 'UPKEEP_TEST_DATABASE_URL (a PostgreSQL server; .ci/run starts one) and pg_dump and psql (apt-get install -y postgresql)';

/** A fresh PostgreSQL database (the project's test convention) as source settings; `drop` removes it. */
export async function postgresSourceDatabase(): Promise<{ settings: DatabaseSettings; sql(text: string): Promise<void>; drop(): Promise<void> }> {
  const db = await createPostgresDatabase();
  return {
    settings: settingsOf(db.url, 5432),
    async sql(text) {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query(text);
      } finally {
        await client.end();
      }
    },
    drop: db.drop,
  };
}

/** MySQL/MariaDB for tests: `.ci/run` starts MariaDB on loopback and sets UPKEEP_TEST_MYSQL_URL (mysql://user:pass@127.0.0.1:3306/). */
const mysqlUrl = process.env.UPKEEP_TEST_MYSQL_URL;
export const mysqlReady = mysqlUrl !== undefined && hasCommand('mysql') && hasCommand('mysqldump');
export const mysqlNeeds = 'UPKEEP_TEST_MYSQL_URL (a MariaDB server; .ci/run starts one) and mysql and mysqldump (apt-get install -y mariadb-server)';

/** A fresh MySQL database as source settings, filled and dropped through the `mysql` client. */
export function mysqlSourceDatabase(): { settings: DatabaseSettings; sql(text: string): void; drop(): void } {
  const settings = { ...settingsOf(mysqlUrl!, 3306), database: `upkeep_test_${randomBytes(6).toString('hex')}` };
  const run = (text: string, database: string[]) => {
    const args = ['-h', settings.host, '-P', String(settings.port), '-u', settings.user, '-e', text, ...database];
    const result = spawnSync('mysql', args, { env: { ...process.env, MYSQL_PWD: settings.password }, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`mysql failed: ${result.stderr}`);
  };
  run(`CREATE DATABASE ${settings.database}`, []);
  return { settings, sql: (text) => run(text, [settings.database]), drop: () => run(`DROP DATABASE IF EXISTS ${settings.database}`, []) };
}
