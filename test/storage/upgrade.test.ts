import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import * as OTPAuth from 'otpauth';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { openStorage, type Storage } from '../../src/db/connection.js';
import { migrationsFor } from '../../src/db/migrations/index.js';
import { Api } from '../fixtures/releases/api.js';
import { collectFacts, type Facts } from '../fixtures/releases/facts.js';
import { known, STATUS_UPDATE_BODY } from '../fixtures/releases/scenario.js';
import { runCli, startServerProcess, type ServerProcess } from '../support/cli.js';
import { createPostgresDatabase, dialects, tempDir } from '../support/databases.js';

/**
 * Every released schema can be upgraded. A database made by an earlier release is loaded, today's
 * `upkeep migrate` runs on it, and today's server must show everything the release's API showed (facts.json),
 * give accounts the scope their teams imply, unseal its secrets with the instance key and let its users,
 * tokens and pages in. On SQLite and on PostgreSQL. A new release adds a folder; nothing here changes.
 *
 * The fixtures, test/fixtures/releases/<commit>/{sqlite,postgres}, are made by that release itself (its own
 * server, migrations and CLI, not hand-written SQL): make.ts runs it for five minutes against loopback targets
 * and receivers, plays scenario.ts through its config file, API and CLI (sites, monitors with sealed
 * credentials, heartbeats, results and rollups, incidents with updates and notifications, channels, status
 * pages with subscribers, users with two-factor login, teams, tokens, an audit, backup jobs with their
 * results), records what the API then says (facts.json) and keeps the database (upkeep.db.gz, or a plain
 * pg_dump as dump.sql.gz) with its secret.key. To make them again, or for a new release:
 *
 *   git worktree add /tmp/upkeep-prev <commit> && (cd /tmp/upkeep-prev && npm ci)
 *   source /work/testenv.sh   # or any PostgreSQL: UPKEEP_TEST_DATABASE_URL
 *   for d in sqlite postgres; do
 *     node --import tsx test/fixtures/releases/make.ts --release /tmp/upkeep-prev --dialect $d --out test/fixtures/releases/<commit>/$d
 *   done
 */
const releasesDir = fileURLToPath(new URL('../fixtures/releases/', import.meta.url));
const releases = readdirSync(releasesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

interface Fixture extends Facts {
  release: string;
  dialect: 'sqlite' | 'postgres';
  exported: unknown;
  secrets: { readToken: string; ownerToken: string; totpSecret: string; recoveryCode: string; confirmedSubscriber: string };
}

const cases = releases.flatMap((release) => dialects.filter(({ dialect }) => existsSync(join(releasesDir, release, dialect))).map((d) => ({ release, ...d })));

/** Rows per table, to prove `migrate` lost none. */
async function rowCounts(storage: Storage): Promise<Record<string, number>> {
  const tables =
    storage.dialect === 'sqlite'
      ? await storage.db.introspection.getTables()
      : (await storage.db.introspection.getTables()).filter((t) => t.schema === 'public');
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const row = await storage.db
      .selectFrom(t.name as 'sites')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    counts[t.name] = Number(row.n);
  }
  return counts;
}

/** A plain pg_dump, run as psql would (without its \restrict lines, which are psql's own commands). */
async function loadDump(url: string, file: string): Promise<void> {
  const sql = gunzipSync(readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter((line) => !line.startsWith('\\'))
    .join('\n');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe.each(cases)('upgrading the database of release $release on $dialect', ({ release, dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  const folder = join(releasesDir, release, dialect);
  const fixture = JSON.parse(readFileSync(join(folder, 'facts.json'), 'utf8')) as Fixture;
  const data = tempDir('upkeep-upgrade-');
  let url: string | undefined;
  let drop = async () => {};
  let before: Record<string, number>;
  let server: ServerProcess;
  let api: Api;

  beforeAll(async () => {
    copyFileSync(join(folder, 'secret.key'), join(data.path, 'secret.key'));
    chmodSync(join(data.path, 'secret.key'), 0o600);
    if (dialect === 'sqlite') writeFileSync(join(data.path, 'upkeep.db'), gunzipSync(readFileSync(join(folder, 'upkeep.db.gz'))), { mode: 0o600 });
    else {
      const db = await createPostgresDatabase();
      ({ url, drop } = db);
      await loadDump(db.url, join(folder, 'dump.sql.gz'));
    }
    // Counted without running any migration: openStorage only connects.
    const storage = openStorage({ url, dataDir: data.path });
    before = await rowCounts(storage);
    await storage.close();
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await drop();
    data.cleanup();
  });

  it('migrates with the CLI: every migration of today runs, no row is lost, the database is sound', async () => {
    const migrated = await runCli(['migrate', '--data-dir', data.path], { env: { UPKEEP_DATABASE_URL: url } });
    expect(migrated.stderr).toBe('');
    expect(migrated.stdout).toMatch(/is up to date/);
    expect(migrated.code).toBe(0);
    const storage = openStorage({ url, dataDir: data.path });
    try {
      const ran = await sql<{ name: string }>`select name from upkeep_migrations`.execute(storage.db);
      expect(ran.rows.map((r) => r.name).sort()).toEqual(Object.keys(migrationsFor(dialect)).sort());
      const after = await rowCounts(storage);
      // The migrations' own bookkeeping and SQLite's planner statistics change by design; so do the tables
      // later migrations convert, whose rows are checked below instead: raw results packed per monitor-hour
      // (0008), rollups given hour/day/month levels (0008), subscriber messages moved into the one outbox (0201).
      const converted = ['check_results', 'result_rollups', 'rollup_watermarks', 'status_messages', 'notifications'];
      const kept = Object.keys(before).filter((t) => !['upkeep_migrations', 'sqlite_stat1', ...converted].includes(t));
      expect(Object.fromEntries(kept.map((t) => [t, after[t]]))).toEqual(Object.fromEntries(kept.map((t) => [t, before[t]])));
      const packed = await sql<{ n: number | string | null }>`select sum(checks) as n from check_blocks`.execute(storage.db);
      expect(Number(packed.rows[0]?.n ?? 0) + after.check_results!).toBe(before.check_results);
      expect(after.notifications).toBe(before.notifications! + (before.status_messages ?? 0));
      expect(after.result_rollups).toBeGreaterThanOrEqual(before.result_rollups!);
      expect(await storage.integrityCheck()).toEqual([]);
    } finally {
      await storage.close();
    }
  }, 120_000);

  it("starts on it and shows everything the release's API showed", async () => {
    server = await startServerProcess(['--data-dir', data.path], { UPKEEP_DATABASE_URL: url });
    const anonymous = new Api(server.url);
    api = await anonymous.login(known.owner.email, known.owner.password);
    const editorTotp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(fixture.secrets.totpSecret) });
    const accounts = {
      owner: api,
      admin: await anonymous.login(known.admin.email, known.admin.password),
      editor: await anonymous.login(known.editor.email, known.editor.password, editorTotp.generate()),
      client: await anonymous.login(known.client.email, known.client.password),
      readToken: anonymous.with({ token: fixture.secrets.readToken }),
    };
    const window = { from: Date.parse(fixture.cutoff) - Number.parseInt(fixture.window, 10) * 60_000, cutoff: Date.parse(fixture.cutoff) };
    const today = await collectFacts(api, accounts, window, fixture.bounds);
    const { release: _r, dialect: _d, madeAt: _m, secrets: _s, exported: _e, ...expected } = fixture as Fixture & { madeAt: string };
    for (const key of Object.keys(expected) as (keyof Facts)[]) expect({ [key]: today[key] }).toMatchObject({ [key]: expected[key] });
  }, 120_000);

  it('gives every account the scope its teams implied: team members reach their teams, the others the instance', async () => {
    const users = await api.all<{ email: string; role: string; scope: string; teams: { team: string }[] }>('/users');
    const scopes = Object.fromEntries(users.map((u) => [u.email, u.scope]));
    expect(scopes).toEqual({
      [known.owner.email]: 'instance',
      [known.admin.email]: 'instance',
      [known.editor.email]: 'teams',
      [known.client.email]: 'teams',
    });
    for (const u of users) expect(u.scope === 'teams', u.email).toBe(u.teams.length > 0);
  }, 60_000);

  it('unseals every secret: the export has them as the release wrote them, the API still hides them', async () => {
    const exported = await runCli(['export', '--include-secrets', '--data-dir', data.path], { env: { UPKEEP_DATABASE_URL: url } });
    expect(exported.code).toBe(0);
    expect(parseYaml(exported.stdout)).toMatchObject(fixture.exported as object);
    const channels = await api.all<Record<string, unknown>>('/channels');
    expect(channels.find((c) => c.name === 'team-telegram')).toMatchObject({ botToken: '********' });
    expect(JSON.stringify(channels)).not.toContain(known.inline.telegramToken);
  }, 60_000);

  it('lets people and tokens in as before, and no one else', async () => {
    const anonymous = new Api(server.url);
    await expect(anonymous.login(known.editor.email, known.editor.password)).rejects.toMatchObject({ status: 401 });
    await anonymous.login(known.editor.email, known.editor.password, fixture.secrets.recoveryCode);
    await expect(anonymous.login(known.client.email, 'not-the-password')).rejects.toMatchObject({ status: 401 });
    const reader = anonymous.with({ token: fixture.secrets.readToken });
    expect((await reader.all<{ name: string }>('/sites')).length).toBe(fixture.sites.length);
    await expect(reader.post('/sites', { name: 'Not allowed' })).rejects.toMatchObject({ status: 403 });
    const writer = anonymous.with({ token: fixture.secrets.ownerToken });
    const monitor = (await writer.all<{ id: number; name: string }>('/monitors')).find((m) => m.name === 'Home page')!;
    expect((await writer.fetch(`/api/v1/monitors/${monitor.id}/check`, { method: 'POST' })).status).toBe(202);
    // A heartbeat's ping URL keeps working for the jobs that call it.
    const heartbeat = (await writer.all<{ name: string; pingUrl?: string }>('/monitors')).find((m) => m.name === 'Nightly export')!;
    const ping = await anonymous.fetch(new URL(heartbeat.pingUrl!, 'http://any').pathname);
    expect(await ping.text()).toBe('OK\n');
  }, 60_000);

  it('renders its status pages, private ones behind the password they had', async () => {
    const anonymous = new Api(server.url);
    const acme = await anonymous.fetch('/status/acme');
    expect(acme.status).toBe(200);
    const page = await acme.text();
    for (const text of ['Acme status', 'Shop', 'Everything else']) expect(page).toContain(text);
    expect((await anonymous.fetch('/status/globex')).status).toBe(401);
    const login = await fetch(`${server.url}/status/globex/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password: known.secrets.UPKEEP_STATUS_PASSWORD }),
      redirect: 'manual',
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).not.toBe('');
    const globex = await anonymous.fetch('/status/globex', { headers: { cookie } });
    expect(globex.status).toBe(200);
    expect(await globex.text()).toContain('full disk');
    expect(STATUS_UPDATE_BODY).toContain('**full disk**');
  }, 60_000);
});
