import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
 * Every released schema can be upgraded: a database made by an earlier release (test/fixtures/releases/<commit>,
 * made by that release's own server and CLI, see the README there) is loaded, today's `upkeep migrate` runs on
 * it, and today's server must show everything the release's API showed, unseal its secrets and let its users,
 * tokens and pages in. A new release adds a folder; nothing here changes.
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

const cases = releases.flatMap((release) =>
  dialects.filter(({ dialect }) => existsSync(join(releasesDir, release, dialect))).map((d) => ({ release, ...d })),
);

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

/** A plain pg_dump, run statement by statement as psql would (its \restrict lines are psql's own commands). */
async function loadDump(url: string, file: string): Promise<void> {
  const sql = readFileSync(file, 'utf8')
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
    if (dialect === 'sqlite') copyFileSync(join(folder, 'upkeep.db'), join(data.path, 'upkeep.db'));
    else {
      const db = await createPostgresDatabase();
      ({ url, drop } = db);
      await loadDump(db.url, join(folder, 'dump.sql'));
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
      // The migrations' own bookkeeping and SQLite's planner statistics change by design.
      const kept = Object.keys(before).filter((t) => !['upkeep_migrations', 'sqlite_stat1'].includes(t));
      expect(Object.fromEntries(kept.map((t) => [t, after[t]]))).toEqual(Object.fromEntries(kept.map((t) => [t, before[t]])));
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
