import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { reconcileComponentIncidents } from '../../src/updates/component-incidents.js';
import { InventoryService } from '../../src/updates/inventory.service.js';
import { defaultPolicy } from '../../src/updates/policy.js';
import type { Assessed } from '../../src/updates/match.js';
import { RunsRepository } from '../../src/updates/runs/runs.repository.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { until, webhookReceiver } from '../support/receivers.js';

const SECRET = 'a-webhook-secret-of-some-length';
const as = (token: string) => ({ authorization: `Bearer ${token}` });

const component = (ecosystem: string, name: string, version: string, more: Partial<Assessed> = {}): Assessed =>
  ({ name, ecosystem, version, seen: [{ source: 'test', at: 'x' }], vulnerabilities: [], endOfLife: false, ...more }) as unknown as Assessed;
const vuln = (id: string, severity: string, fixedIn: string[]) => ({ id, aliases: [], severity, summary: id, fixedIn });

/** What the shop runs: a patch, a security fix held back to its fix, a major, and what no step can update. */
const shop = [
  component('wordpress-core', 'wordpress', '6.1.1', { latest: '7.1.0' }),
  component('wordpress-plugin', 'akismet', '5.3', { latest: '5.3.1' }),
  component('wordpress-plugin', 'contact-form-7', '5.7.2', { latest: '5.9.3', vulnerabilities: [vuln('CVE-2023-6449', 'high', ['5.8.4'])] as never }),
  component('js-library', 'jquery', '1.12.4', { vulnerabilities: [vuln('CVE-2020-11022', 'medium', ['3.5.0'])] as never }),
  component('runtime:php', 'php', '7.4.33', { latest: '8.5.9', endOfLife: true, eolDate: '2022-11-28' }),
  component('wordpress-theme', 'twentytwentythree', '1.6'),
];

describe.each(dialects)('updates faces on $dialect: policies, pending updates, approvals, messages', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let app: FastifyInstance;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let owner: string;
  let editor: string;
  let approver: string;
  let shopId: number;

  beforeAll(async () => {
    hook = await webhookReceiver(SECRET);
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
    const loaded = config(`
server: { publicUrl: "https://upkeep.example.test" }
sites:
  - name: Shop
    url: "http://127.0.0.1:9/"
    tags: [client]
    monitors: [{ name: Home, type: http, url: "http://127.0.0.1:9/", paused: true }]
  - { name: Blog, tags: [client] }
statusPages:
  - { slug: shop, title: Shop status, components: [{ name: Shop, site: Shop }] }
channels:
  - { name: ops, type: webhook, url: "${hook.url}", secret: ${SECRET} }
updates:
  sites:
    - site: Shop
      ssh: { host: 127.0.0.1, port: 9, username: deploy, password: "not-for-answers", root: /srv/shop }
      pages: [{ url: "http://127.0.0.1:9/" }]
      rollback: { kind: command, command: "true" }
  policies:
    - { name: careful, tags: [client], updates: [security, patch], approve: { people: [approver@agency.test] }, channels: [ops] }
`);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config, { baseDelayMs: 50 });
    app = server.app;
    const user = async (email: string, role: 'owner' | 'editor') =>
      (
        await core.accounts.createToken({
          name: email,
          scope: 'write',
          userId: (await core.accounts.createUser({ email, password: 'a password 12345', role })).id,
        })
      ).token;
    owner = await user('owner@agency.test', 'owner');
    editor = await user('editor@agency.test', 'editor');
    approver = await user('approver@agency.test', 'editor');
    shopId = (await core.sites.listSites({ limit: 5, search: 'Shop' })).items[0]!.id;
    await new InventoryService(core.storage.db, core.clock).record(shopId, 'ssh', 'deploy@127.0.0.1:/srv/shop', shop, '2026-12-06');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await hook?.close();
  });

  it('pending updates follow the policy: a patch and a security fix (to its fix, not the minor) taken; a major and what no step updates held, with why', async () => {
    const res = await app.inject({ url: `/api/v1/sites/${shopId}/updates/pending`, headers: as(editor) });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.policy).toMatchObject({ name: 'careful', updates: ['security', 'patch'], approve: { people: ['approver@agency.test'] } });
    expect(body.setUp).toBe(true);
    const line = (u: { name: string; kind: string; to: string; held: string | null }) => `${u.name} ${u.kind} → ${u.to}: ${u.held ?? 'taken'}`;
    expect(body.updates.map(line).sort()).toEqual([
      'akismet patch → 5.3.1: taken',
      'contact-form-7 security → 5.8.4: taken',
      'jquery security → 3.5.0: no update step for this kind of component: update it by hand',
      'php major → 8.5.9: no update step for this kind of component: update it by hand',
      'wordpress major → 7.1.0: the policy careful does not take major updates',
    ]);
    expect(body.runs).toEqual([
      expect.objectContaining({ steps: ['wp plugin update akismet --version=5.3.1', 'wp plugin update contact-form-7 --version=5.8.4'] }),
    ]);
    // The inventory answers each component's facts.
    const inv = (await app.inject({ url: `/api/v1/sites/${shopId}/updates/inventory`, headers: as(editor) })).json();
    expect(inv.data[0].components.find((c: { name: string }) => c.name === 'php')).toMatchObject({ endOfLife: true, eolDate: '2022-11-28', latest: '8.5.9' });
  });

  it('the overview’s Updates line counts outdated, vulnerable and end-of-life components with the worst severity', async () => {
    const portfolio = (await app.inject({ url: '/api/v1/portfolio', headers: as(owner) })).json();
    const pillar = (name: string) => portfolio.data.find((s: { name: string }) => s.name === name).pillars.updates;
    expect(pillar('Shop')).toEqual({ state: 'bad', summary: '4 outdated · 2 vulnerable (worst: high) · 1 end of life' });
    expect(pillar('Blog').state).toBe('not_set_up');
  });

  it('a dry run shows the run without changing anything, and never the SSH password', async () => {
    const res = await app.inject({ method: 'POST', url: `/api/v1/sites/${shopId}/updates/plan`, headers: as(editor), payload: {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ site: 'Shop', target: 'deploy@127.0.0.1:9:/srv/shop', approval: ['approver@agency.test'] });
    expect(res.body).not.toContain('not-for-answers');
    expect((await app.inject({ url: '/api/v1/update-approvals', headers: as(owner) })).json().data).toEqual([]);
    // Steps sent to the API may not be shell commands or downloads from elsewhere.
    const command = await app.inject({
      method: 'POST',
      url: `/api/v1/sites/${shopId}/updates/plan`,
      headers: as(editor),
      payload: { steps: [{ kind: 'command', command: 'id' }] },
    });
    expect(command.statusCode).toBe(400);
    expect(command.json().error.details[0].path).toBe('steps[0].kind');
    const url = await app.inject({
      method: 'POST',
      url: `/api/v1/sites/${shopId}/updates/runs`,
      headers: as(editor),
      payload: { steps: [{ kind: 'wordpress-plugin', slug: 'akismet', version: '5.3.1', url: 'http://127.0.0.1:9/evil.zip' }] },
    });
    expect(url.statusCode).toBe(400);
    // A site without an updates entry says what to add.
    const blogId = (await core.sites.listSites({ limit: 5, search: 'Blog' })).items[0]!.id;
    const blog = await app.inject({ method: 'POST', url: `/api/v1/sites/${blogId}/updates/plan`, headers: as(editor), payload: {} });
    expect(blog.json().error.message).toMatch(/not set up for update runs: give it an entry under updates.sites/);
  });

  it('a requested run waits for its approver; the message carries a signed link that a changed plan invalidates, GET confirms without deciding, POST approves once', async () => {
    const first = await app.inject({ method: 'POST', url: `/api/v1/sites/${shopId}/updates/runs`, headers: as(editor), payload: {} });
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toMatchObject({ status: 'pending', siteName: 'Shop', requestedBy: 'editor@agency.test (API token #2)', runId: null });
    const planned = await until('update.planned', () => hook.messages.find((m) => m.body.event === 'update.planned'), 20_000);
    expect(planned.signed).toBe(true);
    const firstLink = String((planned.body.incident as unknown as { url: string }).url);
    expect(firstLink).toMatch(/^https:\/\/upkeep\.example\.test\/update-approval\/[\w.-]+$/);
    const path = (link: string) => new URL(link).pathname;

    // A newer plan replaces the first: its link stops working.
    const second = await app.inject({
      method: 'POST',
      url: `/api/v1/sites/${shopId}/updates/runs`,
      headers: as(editor),
      payload: { steps: [{ kind: 'wp-cli', target: 'plugin', name: 'akismet' }] },
    });
    expect((await app.inject({ url: `/api/v1/update-approvals/${first.json().id}`, headers: as(editor) })).json().status).toBe('superseded');
    expect((await app.inject({ method: 'POST', url: path(firstLink) })).statusCode).toBe(409);
    const secondLink = await until('second link', () => hook.messages.filter((m) => m.body.event === 'update.planned')[1], 20_000);
    const link = path(String((secondLink.body.incident as unknown as { url: string }).url));
    // A link changed by one character is not genuine.
    const forged = link.slice(0, -1) + (link.endsWith('A') ? 'B' : 'A');
    expect((await app.inject({ method: 'POST', url: forged })).statusCode).toBe(400);

    // The queue, and who may decide: not the editor who is no approver, not a viewer.
    const queue = (await app.inject({ url: '/api/v1/update-approvals', headers: as(editor) })).json().data;
    expect(queue.map((a: { id: number }) => a.id)).toEqual([second.json().id]);
    const refused = await app.inject({ method: 'POST', url: `/api/v1/update-approvals/${second.json().id}/approve`, headers: as(editor) });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toMatch(/lets only approver@agency.test \(or an admin\) approve/);

    // Opening the link only shows the plan.
    const page = await app.inject({ url: link });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('wp plugin update akismet');
    expect(page.body).toContain('<form method="post"');
    expect((await app.inject({ url: `/api/v1/update-approvals/${second.json().id}`, headers: as(editor) })).json().status).toBe('pending');

    // Another run holds the site: the approved run cannot start, and the approval says why.
    const repo = new RunsRepository(core.storage.db);
    const now = core.clock.now();
    await repo.lease(shopId, 999, 'elsewhere', now, now + 3_600_000);
    const approved = await app.inject({ method: 'POST', url: link });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.body).toContain('the run could not start');
    const after = (await app.inject({ url: `/api/v1/update-approvals/${second.json().id}`, headers: as(editor) })).json();
    expect(after).toMatchObject({ status: 'failed', decidedBy: 'signed approval link' });
    expect(after.reason).toMatch(/update run 999 under way/);
    // Single use.
    expect((await app.inject({ method: 'POST', url: link })).statusCode).toBe(409);
    await until('update.approved', () => hook.messages.find((m) => m.body.event === 'update.approved'), 20_000);
    await repo.release(shopId, 999);
  });

  it('the approver (or an admin) approves or rejects in the API; a decided request cannot be decided again', async () => {
    const asked = (await app.inject({ method: 'POST', url: `/api/v1/sites/${shopId}/updates/runs`, headers: as(editor), payload: {} })).json();
    const rejected = await app.inject({
      method: 'POST',
      url: `/api/v1/update-approvals/${asked.id}/reject`,
      headers: as(approver),
      payload: { reason: 'not this week' },
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json()).toMatchObject({ status: 'rejected', decidedBy: 'approver@agency.test (API token #3)', reason: 'not this week' });
    expect((await app.inject({ method: 'POST', url: `/api/v1/update-approvals/${asked.id}/approve`, headers: as(owner) })).statusCode).toBe(409);
  });

  it('a made-up approval link answers alike whatever request it names: it confirms no id, and an id out of range is bad input, not a database error', async () => {
    const mac = 'A'.repeat(22);
    // The first names a waiting request; the others none, the last one beyond any stored id.
    const asked = (await app.inject({ method: 'POST', url: `/api/v1/sites/${shopId}/updates/runs`, headers: as(editor), payload: {} })).json();
    const ids = [Number(asked.id).toString(36), 'zzzzz', 'zzzzzzzzzz'];
    const answers = await Promise.all(
      ids.flatMap((id) =>
        (['GET', 'POST'] as const).map(async (method) => {
          const res = await app.inject({ method, url: `/update-approval/${id}.zzzzzz.${mac}` });
          return `${method} ${id}: ${res.statusCode} ${/<p>(.*)<\/p>/.exec(res.body)?.[1] ?? res.body}`;
        }),
      ),
    );
    const notForThePlan = 'this approval link is not for the plan now waiting (the plan changed, or the link was made up); decide in the dashboard';
    const madeUp = 'this approval link is not genuine (it was changed or made up)';
    expect(answers).toEqual(
      ids.flatMap((id) => {
        const said = id === 'zzzzzzzzzz' ? madeUp : notForThePlan;
        return [`GET ${id}: 400 ${said}`, `POST ${id}: 400 ${said}`];
      }),
    );
  });

  it('a newly seen vulnerable (high and up, by default) or end-of-life component opens an incident once per version, resolved when the version is gone', async () => {
    const incidents = server.incidents.service;
    const deps = {
      db: core.storage.db,
      clock: core.clock,
      open: (input: Parameters<typeof incidents.open>[0], author: string, origin: 'updates') => incidents.open(input, author, origin),
      resolve: (id: number, by: string, reason: string) => incidents.resolve(id, by, reason),
    };
    const policy = { ...defaultPolicy, name: 'careful' };
    const history = new InventoryService(core.storage.db, core.clock);
    const first = await reconcileComponentIncidents(deps, { id: shopId, name: 'Shop' }, policy, await history.current(shopId));
    const titles = async (ids: number[]) => (await Promise.all(ids.map((id) => incidents.get(id)))).map((i) => `${i.severity} ${i.title} ${i.status}`).sort();
    // jquery's medium advisory is below the policy's severity: no incident.
    expect(await titles(first.opened)).toEqual(['major Vulnerable contact-form-7 5.7.2 on Shop open', 'minor End of life: php 7.4.33 on Shop open']);
    expect((await reconcileComponentIncidents(deps, { id: shopId, name: 'Shop' }, policy, await history.current(shopId))).opened).toEqual([]);
    // The plugin is updated: its incident resolves; php's stays open.
    const updated = shop.map((c) => (c.name === 'contact-form-7' ? { ...c, version: '5.8.4', vulnerabilities: [] } : c));
    await history.record(shopId, 'ssh', 'deploy@127.0.0.1:/srv/shop', updated, '2026-12-06');
    const second = await reconcileComponentIncidents(deps, { id: shopId, name: 'Shop' }, policy, await history.current(shopId));
    expect(second.opened).toEqual([]);
    expect(await titles(first.opened)).toEqual(['major Vulnerable contact-form-7 5.7.2 on Shop resolved', 'minor End of life: php 7.4.33 on Shop open']);

    // What the site runs that is vulnerable or past its end of life is internal: the public status page
    // shows such an incident only once someone writes to the public about it.
    const shown = async () => (await app.inject({ url: '/status/shop/rss' })).body;
    expect(await shown()).toContain('<title>Shop status</title>');
    expect(await shown()).not.toMatch(/Vulnerable|End of life/);
    const php = (await Promise.all(first.opened.map((id) => incidents.get(id)))).find((i) => i.title.startsWith('End of life'))!.id;
    const written = await app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${php}/updates`,
      headers: as(owner),
      payload: { status: 'identified', body: 'We are updating PHP tonight.', notify: false },
    });
    expect(written.statusCode, written.body).toBe(201);
    expect(await shown()).toContain('End of life: php 7.4.33 on Shop');
  });

  it('a run whose rollback fails opens a critical incident, and update.rollback_failed reaches the policy’s channel through the outbox', async () => {
    const now = core.clock.now();
    const id = await new RunsRepository(core.storage.db).insert({
      site_id: shopId,
      status: 'running',
      phase: 'rollback',
      spec: JSON.stringify({
        ssh: { host: '127.0.0.1', port: 9, username: 'deploy', root: '/srv/shop' },
        pages: [{ url: 'http://127.0.0.1:9/' }],
        steps: [{ kind: 'wp-cli', target: 'plugin', name: 'akismet' }],
      }),
      secrets: null,
      state: JSON.stringify({ backups: [{ job: 'gone-job', snapshotId: 'abcdef0123' }], stepIndex: 0 }),
      reason: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    });
    const [run] = await server.updates.resumeUnfinished();
    expect(run).toMatchObject({ id, status: 'rollback_failed' });
    const incident = await server.incidents.service.get(run!.state.incidentId!);
    expect(incident.severity).toBe('critical');
    const told = await until('update.rollback_failed', () => hook.messages.find((m) => m.body.event === 'update.rollback_failed'), 20_000);
    expect(told.body.incident.title).toBe(`Update run ${id} of Shop: rollback failed`);
    expect(told.body.dedupKey).toBe(`upkeep-update-run-${id}`);
  });
});
