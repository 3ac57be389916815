import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { restoreTarget } from '../../src/backups/restore-target.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';
import { until } from '../support/receivers.js';
import { backupWorld } from './support/world.js';

let db: TestDatabase;
let core: Core;
let server: TestApp;
let world: Awaited<ReturnType<typeof backupWorld>>;
const tokens: Record<'owner' | 'reader' | 'viewer' | 'clientA', string> = { owner: '', reader: '', viewer: '', clientA: '' };
const as = (who: keyof typeof tokens) => ({ authorization: `Bearer ${tokens[who]}` });
const get = (who: keyof typeof tokens, url: string) => server.app.inject({ url: `/api/v1${url}`, headers: as(who) });
const restore = (who: keyof typeof tokens, job: string, snapshot: string, payload: unknown) =>
  server.app.inject({ method: 'POST', url: `/api/v1/backups/jobs/${job}/snapshots/${snapshot}/restore`, headers: as(who), payload: payload as object });

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  world = await backupWorld(core);
  server = await testServer(core);
  const owner = await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
  tokens.owner = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: owner.id })).token;
  tokens.reader = (await core.accounts.createToken({ name: 'r', scope: 'read', userId: owner.id })).token;
  const viewer = await core.accounts.createUser({ email: 'viewer@agency.test', password: 'viewer password 123', role: 'viewer' });
  tokens.viewer = (await core.accounts.createToken({ name: 'v', scope: 'write', userId: viewer.id })).token;
  await server.app.inject({ method: 'PUT', url: '/api/v1/teams/Client A', headers: as('owner'), payload: { tags: ['client-a'] } });
  const a = (
    await server.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: as('owner'),
      payload: { email: 'a@client-a.test', password: 'client password 123', role: 'viewer', teams: [{ team: 'Client A', role: 'editor' }] },
    })
  ).json<{ id: number }>();
  tokens.clientA = (await core.accounts.createToken({ name: 'a', scope: 'write', userId: a.id })).token;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
  if (world) await rm(world.root, { recursive: true, force: true });
});

describe('backups in the API', () => {
  it('lists jobs and repositories without secrets; a client team sees only its sites’ backups', async () => {
    const jobs = (await get('owner', '/backups/jobs')).json().data as { name: string; may: object; site: { name: string } }[];
    expect(jobs.map((j) => `${j.name} @ ${j.site.name}`)).toEqual(['www @ Shop', 'zulu-files @ Zulu Site']);
    expect(jobs[0]!.may).toEqual({ download: true, restoreToServer: true });
    const repos = await get('owner', '/backups/repositories');
    expect(repos.json().data.map((r: { name: string; jobs: string[] }) => `${r.name}: ${r.jobs.join()}`)).toEqual(['main: www', 'zulu-repo: zulu-files']);
    expect(repos.body).not.toContain(world.env.UPKEEP_BACKUP_PASSWORD);

    const mine = (await get('clientA', '/backups/jobs')).json().data as { name: string; may: object }[];
    expect(mine.map((j) => j.name)).toEqual(['www']);
    expect(mine[0]!.may).toEqual({ download: true, restoreToServer: false });
    const theirRepos = await get('clientA', '/backups/repositories');
    expect(theirRepos.body).not.toMatch(/zulu/i);
    for (const url of [
      '/backups/jobs/zulu-files',
      '/backups/jobs/zulu-files/snapshots',
      `/backups/jobs/zulu-files/snapshots/${world.snapshots['zulu-files']}/tree`,
      '/backups/repositories/zulu-repo/checks',
    ]) {
      expect((await get('clientA', url)).statusCode, url).toBe(404);
    }
    // A snapshot of another job (even one the caller may see) is not reachable through this job.
    expect((await get('owner', `/backups/jobs/www/snapshots/${world.snapshots['zulu-files']}/tree`)).statusCode).toBe(404);
    expect((await get('viewer', '/backups/jobs')).json().data[0].may).toEqual({ download: false, restoreToServer: false });
  });

  it('lists snapshots, browses a folder at a time and finds a file by name', async () => {
    const snapshots = (await get('clientA', '/backups/jobs/www/snapshots')).json().data;
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]).toMatchObject({ id: world.snapshots.www, paths: [world.www], tags: [] });
    const short = world.snapshots.www!.slice(0, 8);
    const assets = `${world.www}/site/assets`;
    const tree = (await get('viewer', `/backups/jobs/www/snapshots/${short}/tree?path=${encodeURIComponent(assets)}`)).json();
    expect(tree.entries.map((e: { name: string; type: string }) => `${e.type} ${e.name}`)).toEqual([
      'dir img',
      'symlink home.html',
      'file logo.png',
      'file style.css',
    ]);
    expect(tree.entries.find((e: { name: string }) => e.name === 'logo.png')).toMatchObject({ size: 300_000, path: `${assets}/logo.png` });
    const found = (await get('viewer', `/backups/jobs/www/snapshots/${short}/search?q=HERO`)).json();
    expect(found.matches.map((m: { path: string }) => m.path)).toEqual([`${assets}/img/hero.jpg`]);
    expect((await get('viewer', `/backups/jobs/www/snapshots/${short}/tree?path=${encodeURIComponent('/no/such')}`)).statusCode).toBe(404);
    expect((await get('viewer', `/backups/jobs/www/snapshots/${short}/tree?path=${encodeURIComponent('/../etc')}`)).statusCode).toBe(400);
  });

  it('downloads a folder as a tar archive GNU tar unpacks byte for byte; viewers and read tokens are refused', async () => {
    const assets = `${world.www}/site/assets`;
    const url = `/backups/jobs/www/snapshots/${world.snapshots.www}/archive?path=${encodeURIComponent(assets)}`;
    const res = await get('clientA', url);
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-tar');
    const out = join(db.dataDir, 'unpacked');
    await mkdir(out);
    await writeFile(join(out, 'a.tar'), res.rawPayload);
    execFileSync('tar', ['-xf', join(out, 'a.tar'), '-C', out]);
    const unpacked = join(out, assets);
    for (const file of ['logo.png', 'style.css', 'img/hero.jpg']) {
      expect((await readFile(join(unpacked, file))).equals(await readFile(join(assets, file))), file).toBe(true);
    }
    expect(await readlink(join(unpacked, 'home.html'))).toBe('../index.html');
    for (const who of ['viewer', 'reader'] as const) expect((await get(who, url)).statusCode, who).toBe(403);
    expect((await get('clientA', `/backups/jobs/zulu-files/snapshots/${world.snapshots['zulu-files']}/archive`)).statusCode).toBe(404);
  });

  it('restores one folder onto the server below the restore root, byte-identical, for owners and admins only', async () => {
    const assets = `${world.www}/site/assets`;
    const done = await restore('owner', 'www', world.snapshots.www!, { paths: [assets], target: 'shop/first' });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ target: join(world.restoreRoot, 'shop/first'), files: 3, symlinks: 1, refused: [] });
    for (const file of ['logo.png', 'style.css', 'img/hero.jpg']) {
      expect((await readFile(join(world.restoreRoot, 'shop/first', assets, file))).equals(await readFile(join(assets, file))), file).toBe(true);
    }
    for (const who of ['clientA', 'viewer', 'reader'] as const) {
      expect((await restore(who, 'www', world.snapshots.www!, { target: `by-${who}` })).statusCode, who).toBe(403);
    }
    const runs = (await get('clientA', '/backups/jobs/www/runs?kind=restore')).json().data;
    expect(runs[0]).toMatchObject({ kind: 'restore', ok: true, snapshotId: world.snapshots.www });
    expect(runs[0].message).toMatch(/^owner@agency\.test .* restored /);
  });

  it('refuses targets an attacker would choose: traversal, absolute paths, planted symlinks, folders with files, Upkeep’s own files', async () => {
    const snap = world.snapshots.www!;
    const refused = async (target: string, why: RegExp) => {
      const res = await restore('owner', 'www', snap, { target });
      expect(res.statusCode, `${target}: ${res.body}`).toBe(400);
      expect(res.json().error.message).toMatch(why);
    };
    await refused('../escape', /no "\.\."/);
    await refused('shop/../../escape', /no "\.\."/);
    await refused('/etc', /not absolute/);
    await refused('x'.repeat(300), /longer than 255 bytes/);
    // A snapshot restored earlier may hold a symlink pointing anywhere; restoring "through" it is refused.
    await symlink(db.dataDir, join(world.restoreRoot, 'planted'));
    await refused('planted/x', /planted is a symlink/);
    await refused('shop/first', /is not empty/);
    await expect(restoreTarget(db.dataDir, 'x', [db.dataDir])).rejects.toThrow(/overlaps/);
    await mkdir(join(db.dataDir, 'inside'));
    await expect(restoreTarget(join(db.dataDir, 'inside'), 'x', [db.dataDir])).rejects.toThrow(/overlaps/);
    const missing = await restore('owner', 'www', snap, { paths: ['/no/such/folder'], target: 'fresh' });
    expect(missing.statusCode).toBe(404);
  });

  it('refuses chosen paths that climb out of the snapshot or through its symlinks, and restores a link out as a link only', async () => {
    const snap = world.snapshots.www!;
    const site = `${world.www}/site`;
    for (const path of ['/../etc', `${site}/../../../etc`, `${site}/./assets`, 'var/www']) {
      const res = await restore('owner', 'www', snap, { paths: [path], target: 'climb' });
      expect(res.statusCode, `${path}: ${res.body}`).toBe(400);
      expect((await get('clientA', `/backups/jobs/www/snapshots/${snap}/archive?path=${encodeURIComponent(path)}`)).statusCode, path).toBe(400);
    }
    // `escape` is a symlink in the snapshot pointing out of it: nothing lies "below" it.
    const through = await restore('owner', 'www', snap, { paths: [`${site}/escape/etc`], target: 'through' });
    expect(through.statusCode, through.body).toBe(404);
    expect(through.json().error.message).toBe(`${site}/escape is not a folder in this snapshot`);
    const whole = await restore('owner', 'www', snap, { paths: [site], target: 'with-link' });
    expect(whole.statusCode, whole.body).toBe(200);
    expect(await readlink(join(world.restoreRoot, 'with-link', site, 'escape'))).toBe(world.outside);
    expect(await readdir(world.outside)).toEqual(['etc']);
    expect(await readdir(join(world.outside, 'etc'))).toEqual([]);
  });

  it('lets only one of two restores into the same new folder write there', async () => {
    const snap = world.snapshots.www!;
    const both = await Promise.all([1, 2].map(() => restore('owner', 'www', snap, { paths: [`${world.www}/site`], target: 'raced' })));
    const codes = both.map((r) => r.statusCode).sort();
    expect(codes[0], both.map((r) => r.body).join('\n')).toBe(200);
    expect([400, 409], both.map((r) => r.body).join('\n')).toContain(codes[1]);
  });

  it('keeps one client’s editor away from another client’s snapshots, whichever way they are named', async () => {
    const zulu = world.snapshots['zulu-files']!;
    // Restoring onto the server is for admins: the other client's job, or this job with the other's snapshot.
    expect((await restore('clientA', 'zulu-files', zulu, { target: 'theirs' })).statusCode).toBe(403);
    expect((await restore('clientA', 'www', zulu, { target: 'theirs' })).statusCode).toBe(403);
    // Reading and downloading: the other job does not exist for them, and a job shows only its own snapshots.
    for (const url of [
      `/backups/jobs/zulu-files/snapshots/${zulu}/archive`,
      `/backups/jobs/www/snapshots/${zulu}/archive`,
      `/backups/jobs/www/snapshots/${zulu}/search?q=zulu`,
    ]) {
      expect((await get('clientA', url)).statusCode, url).toBe(404);
    }
    expect((await restore('owner', 'www', zulu, { target: 'cross' })).statusCode).toBe(404);
    expect((await get('clientA', '/backups/jobs/zulu-files/runs')).statusCode).toBe(404);
  });

  it('follows a changed backups: section without a restart, and export writes it back', async () => {
    const changed = world.yaml.replace(
      "schedule: '0 0 1 1 *' }\n    - { name: zulu-files",
      "schedule: '0 0 1 1 *' }\n    - { name: www-again, site: Shop, repository: main, source: { kind: dir, paths: ['/tmp'] }, schedule: '0 3 * * *' }\n    - { name: zulu-files",
    );
    const plan = await core.sync.apply(config(changed, world.env), { dryRun: false });
    expect(plan.items.map((i) => `${i.action} ${i.kind} ${i.key}`)).toContain('update backups backups');
    await until('the running server to schedule the new job', () => server.backups.scheduler.current.jobs.some((j) => j.name === 'www-again'), 20_000);
    expect((await get('owner', '/backups/jobs')).json().data.map((j: { name: string }) => j.name)).toContain('www-again');

    const exported = await core.exportConfig({ includeSecrets: false });
    expect(exported.yaml).toContain('password: ${UPKEEP_BACKUP_PASSWORD}');
    expect(exported.yaml).not.toContain('Backup: www');
    const again = await createTestDatabase('sqlite');
    const other = await openTestCore(again);
    try {
      const plan2 = await other.sync.apply(config(exported.yaml, world.env), { dryRun: false });
      expect(plan2.items.map((i) => `${i.action} ${i.kind} ${i.key}`)).toContain('create backups backups');
      expect((await other.exportConfig({ includeSecrets: false })).yaml).toBe(exported.yaml);
      expect((await core.sync.apply(config(exported.yaml, world.env), { dryRun: true })).items).toEqual([]);
    } finally {
      await other.close();
      await again.cleanup();
    }
  }, 40_000);
});
