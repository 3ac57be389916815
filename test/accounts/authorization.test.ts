import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBackup } from '../../src/backups/backup.service.js';
import { silentLogger } from '../../src/lib/logger.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { withFeedbackTables } from '../../src/feedback/tables.js';
import { withUpdatesTables } from '../../src/updates/tables.js';
import { ArchiveRepository } from '../../src/reports/archive.repository.js';

/**
 * Walks every route of the OpenAPI document as five callers: nobody, a viewer, a client limited to
 * team A, a client whose team was taken away, and the owner. Nobody gets 401 everywhere but the
 * public routes; the viewer is refused every change; the client of A gets 404 or 403 for every
 * object of client B, and lists without them; the client without a team sees nothing at all.
 */
let db: TestDatabase;
let core: Core;
let server: TestApp;
let app: FastifyInstance;
let routes: { method: string; path: string }[];
const ids: Record<string, number | string> = {};
const as = (token: string) => ({ authorization: `Bearer ${token}` });
let owner: string;
let viewer: string;
let clientA: string;
/** A team-scoped editor whose only team was taken away (`PATCH /users/:id {"teams": []}`). */
let teamless: string;

/** Routes anyone may call without credentials: the API description, logging in, first-run setup. */
const publicRoutes = ['GET /openapi.json', 'POST /session', 'POST /setup', 'GET /session/providers', 'GET /session/oidc', 'GET /session/oidc/callback'];
/** Routes for probes: no person's credentials open them, only a probe token (test/probes/locations.test.ts). */
const probeRoutes = ['GET /probe/assignments', 'POST /probe/results'];
publicRoutes.push(...probeRoutes);
/** Routes about the caller's own account, open to every logged-in caller whatever their role. */
const ownRoutes = [
  'GET /session',
  'DELETE /session',
  'GET /session/all',
  'DELETE /session/all/{sessionId}',
  'POST /account/password',
  'POST /account/totp',
  'POST /account/totp/confirm',
  'POST /account/totp/disable',
  'POST /account/sso',
  'GET /tokens',
  'POST /tokens',
  'DELETE /tokens/{id}',
];

/** The path with B's objects (or the instance's) in place of its parameters. */
function concrete(path: string): string {
  const first = path.split('/')[1]!;
  return path
    .replace('{id}', String(ids[first] ?? 999_999))
    .replace('{name}', 'Client B')
    .replace('{file}', 'page-1-before.png')
    .replace('{sessionId}', 'no-such-session')
    .replace('{job}', 'b-files')
    .replace('{repository}', 'b-repo')
    .replace('{snapshot}', String(ids.snapshot));
}

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  // B's backups: a job with a snapshot, in a repository only B's job uses.
  const files = await mkdtemp(join(tmpdir(), 'upkeep-authz-'));
  await mkdir(join(files, 'src'));
  await mkdir(join(files, 'restores'));
  await writeFile(join(files, 'src', 'b.txt'), 'B’s file');
  const loaded = config(`
sites:
  - name: Site A
    tags: [client-a]
    monitors: [{ name: Home A, type: tcp, host: 127.0.0.1, port: 9, interval: 1h }]
  - name: Site B
    url: http://127.0.0.1:9/
    tags: [client-b]
    objectives: [{ name: Available B, type: availability, target: 99.9 }]
    monitors: [{ name: Home B, type: tcp, host: 127.0.0.1, port: 9, interval: 1h }]
channels:
  - { name: hook, type: webhook, url: "http://127.0.0.1:9/hook", secret: a-webhook-secret-of-some-length }
  - { name: mail B, type: email, to: [b@client-b.test], from: upkeep@agency.test, smtp: { host: 127.0.0.1, port: 9, security: none } }
reports:
  - { name: Report B, site: Site B, day: 3, to: [mail B] }
maintenance:
  - { name: Window B, cron: "0 2 * * 0", duration: 1h, sites: [Site B] }
routines:
  - { name: Care B, site: Site B, template: starter, rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0" }
backups:
  restoreRoot: ${files}/restores
  repositories:
    b-repo: { backend: { kind: local, path: ${files}/repo }, password: a backup password }
  jobs:
    - { name: b-files, site: Site B, repository: b-repo, source: { kind: dir, paths: ['${files}/src'] }, schedule: '0 0 1 1 *' }
updates:
  sites:
    - site: Site B
      ssh: { host: 127.0.0.1, port: 9, username: b, root: /srv/b }
      pages: [{ url: "http://127.0.0.1:9/" }]
      rollback: { kind: command, command: "true" }
  policies:
    - { name: careful, approve: { people: [owner@agency.test] } }
`);
  await core.sync.apply(loaded, { dryRun: false });
  const backups = loaded.config.backups!;
  const backup = await runBackup(backups.jobs[0]!, backups.repositories['b-repo']!, { log: silentLogger() });
  ids.snapshot = backup.stats!.snapshotId;
  server = await testRuntime(core, loaded.config);
  app = server.app;
  const ownerUser = await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
  owner = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: ownerUser.id })).token;
  await app.inject({ method: 'PUT', url: '/api/v1/teams/Client A', headers: as(owner), payload: { tags: ['client-a'] } });
  await app.inject({ method: 'PUT', url: '/api/v1/teams/Client B', headers: as(owner), payload: { tags: ['client-b'] } });
  const v = (
    await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: as(owner),
      payload: { email: 'viewer@agency.test', password: 'viewer password 123', role: 'viewer' },
    })
  ).json();
  const a = (
    await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: as(owner),
      payload: { email: 'a@client-a.test', password: 'client password 123', role: 'viewer', teams: [{ team: 'Client A', role: 'editor' }] },
    })
  ).json();
  viewer = (await core.accounts.createToken({ name: 'v', scope: 'write', userId: v.id })).token;
  clientA = (await core.accounts.createToken({ name: 'a', scope: 'write', userId: a.id })).token;
  const c = (
    await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: as(owner),
      payload: { email: 'c@client-a.test', password: 'client password 123', role: 'editor', teams: [{ team: 'Client A', role: 'editor' }] },
    })
  ).json();
  await app.inject({ method: 'PATCH', url: `/api/v1/users/${c.id}`, headers: as(owner), payload: { teams: [] } });
  teamless = (await core.accounts.createToken({ name: 'c', scope: 'write', userId: c.id })).token;

  const siteB = (await core.sites.listSites({ limit: 10, search: 'Site B' })).items[0]!;
  const monitorB = (await core.sites.listMonitors({ limit: 10, siteId: siteB.id })).items[0]!;
  const incident = (
    await app.inject({ method: 'POST', url: '/api/v1/incidents', headers: as(owner), payload: { siteId: siteB.id, title: 'B is down' } })
  ).json();
  const audit = await core.audits.runAudit(siteB.id, { only: ['security'], allowPrivate: true });
  await app.inject({ method: 'PUT', url: `/api/v1/sites/${siteB.id}/feedback-widget`, headers: as(owner), payload: { origins: ['https://b.test'] } });
  const now = Date.now();
  const feedbackB = await withFeedbackTables(core.storage.db)
    .insertInto('feedback')
    .values({
      site_id: siteB.id,
      went_wrong: 1,
      rating: 1,
      comment: 'B broke',
      email: null,
      page_url: null,
      user_agent: null,
      reporter: 'x',
      state: 'new',
      tags: '[]',
      incident_id: null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  Object.assign(ids, {
    sites: siteB.id,
    monitors: monitorB.id,
    incidents: incident.id,
    audits: audit.id,
    feedback: feedbackB.id,
    runbooks: (
      await app.inject({
        method: 'POST',
        url: `/api/v1/sites/${siteB.id}/runbooks`,
        headers: as(owner),
        payload: { title: 'Restart B', body: 'Run `systemctl restart b`' },
      })
    ).json().id,
    routines: (await app.inject({ url: `/api/v1/sites/${siteB.id}/routines`, headers: as(owner) })).json().data[0].id,
    'planned-work': (
      await app.inject({
        method: 'POST',
        url: `/api/v1/sites/${siteB.id}/planned-work`,
        headers: as(owner),
        payload: { title: 'Redesign B', kind: 'redesign', targetDate: '2027-03-01' },
      })
    ).json().id,
    // A processor outside the EU/EEA without an agreement opens a task.
    'privacy-tasks': (
      await app.inject({
        method: 'PUT',
        url: `/api/v1/sites/${siteB.id}/privacy-records`,
        headers: as(owner),
        payload: { processors: [{ name: 'Mailer B', country: 'US', dpa: 'none' }] },
      })
    ).json().tasks[0].id,
    // A planned run of B waiting for its approver, and a finished run of B.
    'update-approvals': (
      await app.inject({
        method: 'POST',
        url: `/api/v1/sites/${siteB.id}/updates/runs`,
        headers: as(owner),
        payload: { steps: [{ kind: 'wp-cli', target: 'plugin', name: 'akismet' }] },
      })
    ).json().id,
    'update-runs': (
      await withUpdatesTables(core.storage.db)
        .insertInto('update_runs')
        .values({
          site_id: siteB.id,
          status: 'succeeded',
          phase: 'done',
          spec: '{}',
          secrets: null,
          state: '{"backups":[],"stepIndex":1}',
          reason: null,
          created_at: now,
          updated_at: now,
          finished_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id,
    channels: (await core.channels.list({ limit: 1 })).items[0]!.id,
    maintenance: (await server.incidents.maintenance.list())[0]!.id,
    'report-schedules': (await server.reports.service.schedules.list())[0]!.id,
    reports: await new ArchiveRepository(core.storage.db).insert(
      {
        schedule: 'Report B',
        title: 'Site B',
        month: '2026-11',
        language: 'en',
        html: '<p>Site B</p>',
        pdf: '',
        recipients: 'b@client-b.test',
        created_at: now,
      },
      [siteB.id],
    ),
    users: ownerUser.id,
    teams: (await core.users.teams()).find((t) => t.name === 'Client B')!.id,
    tokens: 1,
  });
  const doc = (await app.inject('/api/v1/openapi.json')).json<{ paths: Record<string, Record<string, unknown>> }>();
  routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path: path.replace(/^\/api\/v1/, '') })),
  );
}, 60_000);
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
});

const call = (r: { method: string; path: string }, headers: Record<string, string> = {}) => {
  const body = r.method !== 'GET' && r.method !== 'DELETE';
  return app.inject({
    method: r.method as 'GET',
    url: `/api/v1${concrete(r.path)}`,
    headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
    ...(body ? { payload: '{}' } : {}),
  });
};
const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

describe('authorization over every route of the API', () => {
  it('knows the routes', () => {
    expect(routes.length).toBeGreaterThan(40);
  });

  it('nothing answers without credentials but the public routes', async () => {
    for (const r of routes.filter((r) => !publicRoutes.includes(key(r)))) {
      expect((await call(r)).statusCode, key(r)).toBe(401);
    }
  });

  it('the probes’ routes answer 401 to everyone without a probe token, the owner too', async () => {
    for (const r of routes.filter((r) => probeRoutes.includes(key(r)))) {
      for (const token of [undefined, owner, viewer, clientA]) {
        const res = await call(r, token ? as(token) : {});
        expect(res.statusCode, `${key(r)}: ${res.body.slice(0, 200)}`).toBe(401);
      }
    }
    expect(routes.filter((r) => probeRoutes.includes(key(r)))).toHaveLength(probeRoutes.length);
  });

  it('a viewer can change nothing but their own account', async () => {
    for (const r of routes.filter((r) => r.method !== 'GET' && !publicRoutes.includes(key(r)) && !ownRoutes.includes(key(r)))) {
      const res = await call(r, as(viewer));
      expect(res.statusCode, `${key(r)}: ${res.body.slice(0, 200)}`).toBe(403);
    }
  });

  it('a client of team A gets 404 or 403 for every object of client B and for the instance’s own objects', async () => {
    for (const r of routes.filter((r) => r.path.includes('{') && !publicRoutes.includes(key(r)) && !ownRoutes.includes(key(r)))) {
      const res = await call(r, as(clientA));
      expect([403, 404], `${key(r)}: ${res.statusCode} ${res.body.slice(0, 200)}`).toContain(res.statusCode);
    }
  });

  it('lists show a client of team A only A’s things', async () => {
    const lists = [
      '/sites',
      '/monitors',
      '/incidents',
      '/events',
      '/overview',
      '/portfolio',
      '/portfolio/monitors',
      '/backups/jobs',
      '/backups/repositories',
      '/update-approvals',
      '/reports',
    ];
    for (const path of lists) {
      const res = await app.inject({ url: `/api/v1${path}`, headers: as(clientA) });
      expect(res.statusCode, path).toBe(200);
      expect(res.body, `${path}: ${res.body.slice(0, 400)}`).not.toMatch(/Site B|Home B|B is down|b-files|b-repo/);
    }
    expect((await app.inject({ url: '/api/v1/sites', headers: as(clientA) })).json().data.map((s: { name: string }) => s.name)).toEqual(['Site A']);
    // B's backups exist (the walk above reached real objects): the owner browses them.
    const tree = await app.inject({ url: `/api/v1${concrete('/backups/jobs/{job}/snapshots/{snapshot}/tree')}`, headers: as(owner) });
    expect(tree.json().entries.map((e: { name: string }) => e.name)).toEqual(['tmp']);
    for (const path of ['/channels', '/maintenance', '/users', '/teams', '/activity', '/report-schedules', '/update-policies', '/probes']) {
      expect((await app.inject({ url: `/api/v1${path}`, headers: as(clientA) })).statusCode, path).toBe(403);
    }
  });

  it('a client of team A may make sites only inside A', async () => {
    const outside = await app.inject({ method: 'POST', url: '/api/v1/sites', headers: as(clientA), payload: { name: 'Sneaky', tags: ['client-b'] } });
    // Refused in words that say what to do, on the field to change (not "site 0 does not exist").
    expect(outside.statusCode).toBe(403);
    expect(outside.json().error.details).toEqual([{ path: 'tags', message: 'a site of yours needs one of your team’s tags: "client-a"' }]);
    const inside = await app.inject({ method: 'POST', url: '/api/v1/sites', headers: as(clientA), payload: { name: 'Site A2', tags: ['client-a'] } });
    expect(inside.statusCode).toBe(201);
    // Nor may a site be moved out of the team: the site exists, and the answer says so.
    const moved = await app.inject({ method: 'PATCH', url: `/api/v1/sites/${inside.json().id}`, headers: as(clientA), payload: { tags: ['client-b'] } });
    expect(moved.statusCode).toBe(403);
    expect(moved.json().error.message).toBe('a site of yours needs one of your team’s tags: "client-a"');
  });

  it('a client whose last team was taken away sees nothing: every list empty, every object 404, instance-wide objects 403', async () => {
    // The live stream never ends by itself: test/api/live.test.ts follows its reach.
    for (const r of routes.filter((r) => !publicRoutes.includes(key(r)) && !ownRoutes.includes(key(r)) && key(r) !== 'GET /stream')) {
      const res = await call(r, as(teamless));
      if (r.method !== 'GET') expect(res.statusCode, `${key(r)}: ${res.body.slice(0, 200)}`).toBe(403);
      else if (r.path.includes('{')) expect([403, 404], `${key(r)}: ${res.statusCode} ${res.body.slice(0, 200)}`).toContain(res.statusCode);
      else if (res.statusCode === 200) expect(res.body, `${key(r)}: ${res.body.slice(0, 400)}`).not.toMatch(/Site [AB]|Home [AB]|B is down|"siteId":\d/);
      else expect(res.statusCode, `${key(r)}: ${res.body.slice(0, 200)}`).toBe(403);
    }
    expect((await app.inject({ url: '/api/v1/sites', headers: as(teamless) })).json().data).toEqual([]);
    expect((await app.inject({ url: '/api/v1/monitors', headers: as(teamless) })).json().data).toEqual([]);
  });

  it('the scope is written on the account: shown, changed, and never instance-wide by accident', async () => {
    const users = (await app.inject({ url: '/api/v1/users', headers: as(owner) })).json().data as { email: string; scope: string; teams: unknown[] }[];
    expect(users.find((u) => u.email === 'c@client-a.test')).toMatchObject({ scope: 'teams', teams: [] });
    expect(users.find((u) => u.email === 'viewer@agency.test')).toMatchObject({ scope: 'instance' });
    expect(users.find((u) => u.email === 'owner@agency.test')).toMatchObject({ scope: 'instance' });
    // Deleting a team leaves its members with nothing, not with everything.
    const d = (
      await app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: as(owner),
        payload: { email: 'd@client-d.test', password: 'client password 123', role: 'viewer', scope: 'teams', teams: [] },
      })
    ).json();
    expect(d.scope).toBe('teams');
    const dToken = (await core.accounts.createToken({ name: 'd', scope: 'read', userId: d.id })).token;
    const teamD = (await app.inject({ method: 'PUT', url: '/api/v1/teams/Client D', headers: as(owner), payload: { tags: ['client-b'] } })).json();
    await app.inject({ method: 'PATCH', url: `/api/v1/users/${d.id}`, headers: as(owner), payload: { teams: [{ team: 'Client D', role: 'viewer' }] } });
    expect((await app.inject({ url: '/api/v1/sites', headers: as(dToken) })).json().data.map((s: { name: string }) => s.name)).toEqual(['Site B']);
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/teams/${teamD.id}`, headers: as(owner) })).statusCode).toBe(204);
    expect((await app.inject({ url: '/api/v1/sites', headers: as(dToken) })).json().data).toEqual([]);
    expect((await app.inject({ url: '/api/v1/channels', headers: as(dToken) })).statusCode).toBe(403);
    // An admin reaches the whole instance: a team scope for one is refused on its field.
    const admin = await app.inject({ method: 'PATCH', url: `/api/v1/users/${d.id}`, headers: as(owner), payload: { role: 'admin', scope: 'teams' } });
    expect(admin.statusCode).toBe(400);
    expect(admin.json().error.details[0].path).toBe('scope');
    const widened = await app.inject({ method: 'PATCH', url: `/api/v1/users/${d.id}`, headers: as(owner), payload: { scope: 'instance' } });
    expect(widened.json().scope).toBe('instance');
    expect((await app.inject({ url: '/api/v1/sites', headers: as(dToken) })).json().data.length).toBeGreaterThanOrEqual(2);
  });

  it('heartbeat ping URLs (secrets) are shown only to those who may edit the site', async () => {
    const siteA = (await app.inject({ url: '/api/v1/sites?q=Site%20A', headers: as(owner) })).json().data[0];
    const made = await app.inject({
      method: 'POST',
      url: `/api/v1/sites/${siteA.id}/monitors`,
      headers: as(owner),
      payload: { name: 'Nightly job', type: 'heartbeat', period: '1d' },
    });
    expect(made.json().pingUrl).toMatch(/\/ping\/[\w-]{16,}$/);
    const viewerA = (
      await app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: as(owner),
        payload: { email: 'va@client-a.test', password: 'client password 123', role: 'viewer', teams: [{ team: 'Client A', role: 'viewer' }] },
      })
    ).json();
    const callers = {
      owner,
      clientA,
      viewer,
      viewerA: (await core.accounts.createToken({ name: 'va', scope: 'write', userId: viewerA.id })).token,
      ownerRead: (
        await core.accounts.createToken({
          name: 'or',
          scope: 'read',
          userId: (await core.accounts.createUser({ email: 'o2@agency.test', password: 'owner password 123', role: 'owner' })).id,
        })
      ).token,
    };
    const seen: Record<string, boolean> = {};
    for (const [who, token] of Object.entries(callers)) {
      const one = await app.inject({ url: `/api/v1/monitors/${made.json().id}`, headers: as(token) });
      const list = await app.inject({ url: `/api/v1/monitors?siteId=${siteA.id}`, headers: as(token) });
      expect(one.statusCode, who).toBe(200);
      seen[who] = one.body.includes('/ping/');
      expect(list.body.includes('/ping/'), who).toBe(seen[who]);
    }
    expect(seen).toEqual({ owner: true, clientA: true, viewer: false, viewerA: false, ownerRead: false });
  });

  it('the owner reaches everything', async () => {
    for (const path of [
      '/sites',
      '/channels',
      '/users',
      '/teams',
      '/activity',
      `/incidents/${ids.incidents}`,
      `/audits/${ids.audits}`,
      `/reports/${ids.reports}/html`,
    ]) {
      expect((await app.inject({ url: `/api/v1${path}`, headers: as(owner) })).statusCode, path).toBe(200);
    }
  });
});
