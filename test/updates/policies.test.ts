import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { InventoryService } from '../../src/updates/inventory.service.js';
import type { Assessed } from '../../src/updates/match.js';
import { testClock } from '../support/clock.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { until, webhookReceiver } from '../support/receivers.js';

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const component = (name: string, version: string, more: Partial<Assessed> = {}): Assessed =>
  ({
    name,
    ecosystem: 'wordpress-plugin',
    version,
    seen: [{ source: 'test', at: 'x' }],
    vulnerabilities: [],
    endOfLife: false,
    ...more,
  }) as unknown as Assessed;
const vuln = (id: string, fixedIn: string[]) => ({ id, aliases: [], severity: 'high', summary: id, fixedIn });

/** A patch only, and a patch with a security fix. */
const patchOnly = [component('akismet', '5.3', { latest: '5.3.1' })];
const withFix = [...patchOnly, component('contact-form-7', '5.7.2', { latest: '5.7.3', vulnerabilities: [vuln('CVE-2023-6449', ['5.7.3'])] as never })];

const yaml = `
sites:
  - { name: Shop, url: "http://127.0.0.1:9/", tags: [client] }
  - { name: Blog, tags: [client] }
  - { name: Own }
channels:
  - { name: ops, type: webhook, url: "http://127.0.0.1:9/hook", secret: a-webhook-secret-of-some-length }
maintenance:
  - { name: nightly, cron: "0 2 * * *", duration: 2h, timezone: UTC, sites: [Shop] }
updates:
  sites:
    - site: Shop
      ssh: { host: 127.0.0.1, port: 9, username: deploy, password: "not-for-answers", root: /srv/shop }
      pages: [{ url: "http://127.0.0.1:9/" }]
      rollback: { kind: command, command: "true" }
      inventory: "off"
  policies:
    - { name: nightly, tags: [client], updates: [security, patch], when: nightly, channels: [ops] }
`;

describe('update policy config', () => {
  it('a policy naming an unknown maintenance window is refused on its path', () => {
    expect(() => config(yaml.replace('when: nightly', 'when: x'))).toThrow(/updates\.policies\[0\]\.when: no maintenance window named "x"/);
    expect(() => config(yaml.replace('inventory: "off"', 'inventory: 10m'))).toThrow(/updates\.sites\[0\]\.inventory/);
  });
});

describe.each(dialects)('update policies on $dialect: when (maintenance windows), the API, export', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  // Monday 7 December 2026, 10:00 UTC: the nightly window opens next at 02:00 on Tuesday.
  const clock = testClock(Date.parse('2026-12-07T10:00:00Z'));
  const opens = Date.parse('2026-12-08T02:00:00Z');
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let owner: string;
  let editor: string;
  let viewer: string;
  let shopId: number;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let loaded: ReturnType<typeof config>;
  const inject = (opts: InjectOptions) => server.app.inject(opts);

  beforeAll(async () => {
    hook = await webhookReceiver('a-webhook-secret-of-some-length');
    loaded = config(yaml.replace('http://127.0.0.1:9/hook', hook.url));
    db = await createTestDatabase(dialect);
    core = await openTestCore(db, clock);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config);
    const user = async (email: string, role: 'owner' | 'editor' | 'viewer') =>
      (
        await core.accounts.createToken({
          name: email,
          scope: 'write',
          userId: (await core.accounts.createUser({ email, password: 'a password 12345', role })).id,
        })
      ).token;
    owner = await user('owner@agency.test', 'owner');
    editor = await user('editor@agency.test', 'editor');
    viewer = await user('viewer@agency.test', 'viewer');
    shopId = (await core.sites.listSites({ limit: 5, search: 'Shop' })).items[0]!.id;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await hook?.close();
  });

  const request = async () => {
    const res = await inject({ method: 'POST', url: `/api/v1/sites/${shopId}/updates/runs`, headers: as(editor), payload: {} });
    expect(res.statusCode, res.body).toBe(202);
    return res.json();
  };
  const approval = async (id: number) => (await inject({ url: `/api/v1/update-approvals/${id}`, headers: as(viewer) })).json();

  it('a run approved outside its window waits, says for which window and until when, survives a restart and starts at the window’s start, not before', async () => {
    await new InventoryService(core.storage.db, core.clock).record(shopId, 'ssh', 'deploy@127.0.0.1:/srv/shop', patchOnly, '2026-12-06');
    const first = await request();
    expect(first).toMatchObject({ status: 'waiting', runId: null });
    // A newer plan replaces one that waits for its window, as it replaces one that waits for approval: one run per site.
    const asked = await request();
    expect(asked).toMatchObject({ status: 'waiting', runId: null, waitsFor: { window: 'nightly', next: '2026-12-08T02:00:00.000Z' } });
    expect(await approval(first.id)).toMatchObject({ status: 'superseded' });
    // The policy's channel is told that the approved run waits, for which window and when it will start.
    const waits = await until(
      'update.waiting',
      () => hook.messages.find((m) => m.body.event === 'update.waiting' && m.body.dedupKey === `upkeep-update-plan-${asked.id}`),
      20_000,
    );
    expect(waits.signed).toBe(true);
    expect(waits.body.incident.title).toBe('Updates of Shop wait for the maintenance window nightly');
    expect((waits.body.incident as unknown as { summary: string }).summary).toMatch(/^The run starts when the window opens: 2026-12-08T02:00:00\.000Z\n/);
    // One second before the window: nothing starts.
    clock.t = opens - 1_000;
    expect(await server.updateFaces.service.startWaiting()).toEqual([]);
    expect(await approval(asked.id)).toMatchObject({ status: 'waiting', runId: null });
    // Upkeep restarts while the run waits: the queue is in the database.
    await server.close();
    server = await testRuntime(core, loaded.config);
    expect((await inject({ url: '/api/v1/update-approvals?status=waiting', headers: as(viewer) })).json().data.map((a: { id: number }) => a.id)).toEqual([
      asked.id,
    ]);
    clock.t = opens;
    // Two callers at once (as two nodes would be, or the window queue's own loop): the run starts once.
    const taken = (await Promise.all([server.updateFaces.service.startWaiting(), server.updateFaces.service.startWaiting()])).flat();
    expect(taken.length).toBeLessThanOrEqual(1);
    // The window queue's own loop may be the one that took it, its run a moment from starting.
    const started = await until(
      'the run to start',
      async () => {
        const seen = await approval(asked.id);
        return seen.runId === null ? undefined : seen;
      },
      10_000,
    );
    expect(started, JSON.stringify(started)).toMatchObject({ status: 'approved', waitsFor: null });
    expect(started.runId).toEqual(expect.any(Number));
    expect((await inject({ url: `/api/v1/sites/${shopId}/updates/runs`, headers: as(viewer) })).json().data.map((r: { id: number }) => r.id)).toEqual([
      started.runId,
    ]);
    expect(await server.updateFaces.service.startWaiting()).toEqual([]);
    // The run itself fails (nothing listens on port 9); it ends before the next test asks for another.
    await until('the run to end', async () => ((await server.updates.get(started.runId)).status === 'running' ? undefined : true), 30_000);
  }, 60_000);

  it('a run with a security fix skips the wait when the policy says so', async () => {
    clock.t = opens + 6 * 3_600_000;
    await new InventoryService(core.storage.db, core.clock).record(shopId, 'ssh', 'deploy@127.0.0.1:/srv/shop', withFix, '2026-12-06');
    const asked = await request();
    expect(asked.status, JSON.stringify(asked)).not.toBe('waiting');
    expect(asked.waitsFor).toBeNull();
    expect(asked.decidedBy).toBe('policy nightly (auto)');
    expect(asked.runId).toEqual(expect.any(Number));
  }, 60_000);

  it('policies in the API: viewers read them with the sites each reaches, only admins write, the file’s answer 409', async () => {
    const list = await inject({ url: '/api/v1/update-policies', headers: as(viewer) });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().data).toEqual([
      { policy: expect.objectContaining({ name: 'nightly', when: 'nightly', inventory: '1d' }), managedBy: 'config', sites: ['Shop', 'Blog'] },
    ]);
    const body = { sites: ['Own'], updates: ['security'], minReleaseAge: '3d', when: 'nightly', inventory: '12h', channels: ['ops'] };
    expect((await inject({ method: 'PUT', url: '/api/v1/update-policies/own', payload: body })).statusCode).toBe(401);
    expect((await inject({ method: 'PUT', url: '/api/v1/update-policies/own', headers: as(viewer), payload: body })).statusCode).toBe(403);
    // An editor is refused too: a policy reaches many clients' sites.
    expect((await inject({ method: 'PUT', url: '/api/v1/update-policies/own', headers: as(editor), payload: body })).statusCode).toBe(403);
    const file = await inject({ method: 'PUT', url: '/api/v1/update-policies/nightly', headers: as(owner), payload: body });
    expect(file.statusCode).toBe(409);
    expect(file.json().error.message).toMatch(/defined in the config file \(updates\.policies\)/);
    expect((await inject({ method: 'DELETE', url: '/api/v1/update-policies/nightly', headers: as(owner) })).statusCode).toBe(409);
    expect((await inject({ method: 'DELETE', url: '/api/v1/update-policies/none', headers: as(owner) })).statusCode).toBe(404);
    // Names that do not exist are refused on their field.
    const bad = await inject({ method: 'PUT', url: '/api/v1/update-policies/own', headers: as(owner), payload: { ...body, when: 'weekly', sites: ['Nope'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual([
      { path: 'sites[0]', message: 'no site named "Nope"' },
      { path: 'when', message: 'no maintenance window named "weekly"' },
    ]);
    const other = await inject({ method: 'PUT', url: '/api/v1/update-policies/own', headers: as(owner), payload: { ...body, name: 'other' } });
    expect(other.statusCode).toBe(400);

    const made = await inject({ method: 'PUT', url: '/api/v1/update-policies/own', headers: as(owner), payload: body });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({ managedBy: 'api', sites: ['Own'], policy: { name: 'own', minReleaseAge: '3d', inventory: '12h', when: 'nightly' } });
    const replaced = await inject({ method: 'PUT', url: '/api/v1/update-policies/own', headers: as(owner), payload: { ...body, minReleaseAge: '1d' } });
    expect(replaced.statusCode).toBe(200);
    // The site follows it now.
    const ownId = (await core.sites.listSites({ limit: 5, search: 'Own' })).items[0]!.id;
    expect((await inject({ url: `/api/v1/sites/${ownId}/updates/pending`, headers: as(viewer) })).json().policy).toMatchObject({
      name: 'own',
      minReleaseAge: '1d',
    });
    expect((await inject({ url: '/api/v1/update-policies', headers: as(viewer) })).json().data.map((e: { policy: { name: string } }) => e.policy.name)).toEqual(
      ['nightly', 'own'],
    );
  });

  it('export writes the API’s policies into upkeep.yaml; applied elsewhere they come back', async () => {
    const exported = await core.exportConfig({ includeSecrets: true });
    expect(exported.yaml).toMatch(/updates:\n\s+policies:/);
    const again = config(exported.yaml);
    expect(again.config.updates.policies.map((p) => p.name)).toEqual(['nightly', 'own']);
    expect(again.config.updates.policies[1]).toMatchObject({
      sites: ['Own'],
      updates: ['security'],
      minReleaseAge: 86_400_000,
      inventory: 43_200_000,
      when: 'nightly',
    });
    const otherDb = await createTestDatabase('sqlite');
    const other = await openTestCore(otherDb);
    try {
      await other.sync.apply(again, { dryRun: false });
      expect((await other.exportConfig({ includeSecrets: true })).yaml).toBe(exported.yaml);
    } finally {
      await other.close();
      await otherDb.cleanup();
    }
    // Deleted in the API, it is gone from the list.
    expect((await inject({ method: 'DELETE', url: '/api/v1/update-policies/own', headers: as(owner) })).statusCode).toBe(204);
    expect((await inject({ url: '/api/v1/update-policies', headers: as(viewer) })).json().data).toHaveLength(1);
  }, 60_000);
});
