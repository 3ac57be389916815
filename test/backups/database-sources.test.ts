import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupsConfigSchema } from '../../src/backups/config.js';
import { runBackup } from '../../src/backups/backup.service.js';
import { runDrill } from '../../src/backups/drills.js';
import { listSnapshots } from '../../src/backups/repository/snapshots.js';
import { log, openRepo, password } from './support/repo.js';
import { mysqlNeeds, mysqlReady, mysqlSourceDatabase, postgresNeeds, postgresReady, postgresSourceDatabase } from './support/databases.js';
import { restic } from './support/restic.js';
import { describeWhen } from './support/tools.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upkeep-db-'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

const configFor = (repoPath: string, source: unknown) =>
  backupsConfigSchema.parse({
    repositories: { main: { backend: { kind: 'local', path: repoPath }, password } },
    jobs: [{ name: 'db', site: 'Shop', repository: 'main', source, schedule: '0 3 * * *' }],
  });

describe('SQLite source', () => {
  it('backs up a database in use through the online backup API and a drill reloads it with the same row counts', async () => {
    const dbPath = join(work, 'app.db');
    const db = new Database(dbPath);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE posts (id INTEGER PRIMARY KEY, body BLOB)');
    const insert = db.prepare('INSERT INTO posts (body) VALUES (?)');
    for (let i = 0; i < 500; i++) insert.run(randomBytes(300));
    db.prepare("INSERT INTO users (name) VALUES ('ada'), ('grace')").run();
    // The writer keeps the database open (and its WAL unmerged) while the backup runs.
    const config = configFor(join(work, 'repo-sqlite'), { kind: 'sqlite', path: dbPath });
    const job = config.jobs[0]!;
    const backup = await runBackup(job, config.repositories.main!, { log });
    expect(backup.message).toContain('snapshot');
    expect(backup.ok).toBe(true);
    db.prepare("INSERT INTO users (name) VALUES ('after the backup')").run();
    db.close();
    const drill = await runDrill(job, config.repositories.main!, { log, scratchDir: join(work, 'scratch') });
    expect(drill.ok, drill.message).toBe(true);
    expect(drill.stats?.rowCounts).toEqual({ posts: 500, users: 2 });
  });
});

describe('command source', () => {
  it('fails the snapshot when the dump command fails, and stores its output when it succeeds', async () => {
    const repoPath = join(work, 'repo-command');
    const failing = configFor(repoPath, { kind: 'command', command: ['sh', '-c', 'echo partial; exit 3'], filename: 'dump.txt' });
    const failed = await runBackup(failing.jobs[0]!, failing.repositories.main!, { log });
    expect(failed.ok).toBe(false);
    expect(failed.message).toContain('exit code 3');
    expect(await listSnapshots(await openRepo(repoPath))).toEqual([]);
    const working = configFor(repoPath, { kind: 'command', command: ['sh', '-c', 'echo hello'], filename: 'dump.txt' });
    expect((await runBackup(working.jobs[0]!, working.repositories.main!, { log })).ok).toBe(true);
    const snapshots = await listSnapshots(await openRepo(repoPath));
    expect(snapshots.map((s) => s.paths)).toEqual([['/dump.txt']]);
  });
});

describeWhen(postgresReady, postgresNeeds, 'PostgreSQL source', () => {
  let db: Awaited<ReturnType<typeof postgresSourceDatabase>>;
  beforeAll(async () => {
    db = await postgresSourceDatabase();
    await db.sql(
      'CREATE TABLE sites (id serial PRIMARY KEY, url text); CREATE TABLE checks (id serial PRIMARY KEY, site int REFERENCES sites, ok boolean); ' +
        "INSERT INTO sites (url) SELECT 'https://s' || g || '.example' FROM generate_series(1, 40) g; " +
        'INSERT INTO checks (site, ok) SELECT 1 + g % 40, g % 3 = 0 FROM generate_series(1, 1234) g',
    );
  });
  afterAll(async () => db?.drop());

  it('streams pg_dump into the repository and a drill restores it into a scratch database with the same row counts', async () => {
    const config = configFor(join(work, 'repo-pg'), { kind: 'postgres', ...db.settings });
    const job = config.jobs[0]!;
    const backup = await runBackup(job, config.repositories.main!, { log });
    expect(backup.ok, backup.message).toBe(true);
    await db.sql('DELETE FROM checks WHERE id < 100');
    const drill = await runDrill(job, config.repositories.main!, { log });
    expect(drill.ok, drill.message).toBe(true);
    expect(drill.stats?.rowCounts).toEqual({ 'public.checks': 1234, 'public.sites': 40 });
  });

  it('fails the snapshot when pg_dump fails', async () => {
    const config = configFor(join(work, 'repo-pg-bad'), { kind: 'postgres', ...db.settings, database: 'no_such_database' });
    const result = await runBackup(config.jobs[0]!, config.repositories.main!, { log });
    expect(result.ok).toBe(false);
  });
});

describeWhen(mysqlReady, mysqlNeeds, 'MySQL/MariaDB source', () => {
  let db: ReturnType<typeof mysqlSourceDatabase>;
  beforeAll(() => {
    db = mysqlSourceDatabase();
    db.sql(
      'CREATE TABLE sites (id INT AUTO_INCREMENT PRIMARY KEY, url VARCHAR(200)) ENGINE=InnoDB; ' +
        'CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, site INT, total DECIMAL(10,2), FOREIGN KEY (site) REFERENCES sites(id)) ENGINE=InnoDB; ' +
        "INSERT INTO sites (url) SELECT CONCAT('https://s', seq, '.example') FROM seq_1_to_25; " +
        'INSERT INTO orders (site, total) SELECT 1 + seq % 25, seq / 7 FROM seq_1_to_777',
    );
  });
  afterAll(() => db?.drop());

  it('streams mysqldump into the repository, restic checks it, and a drill loads it into a scratch database with the same row counts', async () => {
    const repoPath = join(work, 'repo-mysql');
    const config = configFor(repoPath, { kind: 'mysql', ...db.settings });
    const job = config.jobs[0]!;
    const backup = await runBackup(job, config.repositories.main!, { log });
    expect(backup.ok, backup.message).toBe(true);
    expect(restic(repoPath, password, ['check', '--read-data'])).toContain('no errors were found');
    const dump = restic(repoPath, password, ['dump', 'latest', `/${db.settings.database}.sql`]);
    expect(dump).toContain('CREATE TABLE `orders`');
    db.sql('DELETE FROM orders WHERE id < 100');
    const drill = await runDrill(job, config.repositories.main!, { log });
    expect(drill.ok, drill.message).toBe(true);
    expect(drill.stats?.rowCounts).toEqual({ orders: 777, sites: 25 });
  });

  it('fails the snapshot when mysqldump fails', async () => {
    const config = configFor(join(work, 'repo-mysql-bad'), { kind: 'mysql', ...db.settings, database: 'no_such_database' });
    const result = await runBackup(config.jobs[0]!, config.repositories.main!, { log });
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/^backup db failed: /);
  });
});
