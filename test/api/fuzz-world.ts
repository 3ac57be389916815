import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { Core } from '../../src/app.js';
import { runBackup } from '../../src/backups/backup.service.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startDnsServer, type LoopbackDns } from '../fixtures/dns-server.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { API, type OpenApiDoc } from '../support/openapi.js';

/** The callers every operation is tried as. */
export type Caller = 'owner' | 'reader' | 'team';

/** Marks every object of the other team: the team's caller must never see it. */
export const OTHER = 'Zulu';

export interface Answer {
  status: number;
  contentType: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A real server (SQLite or PostgreSQL) with: an owner, a read-only token of the owner, a client's
 * editor limited to team "Alpha" with its site, and team "Zulu"'s site, monitor, incident and audit
 * that the client must never see. DNS goes to a loopback server that knows no name.
 */
export class FuzzWorld {
  db!: TestDatabase;
  core!: Core;
  server!: TestApp;
  dns!: LoopbackDns;
  base = '';
  doc!: OpenApiDoc;
  tokens = {} as Record<Caller, string>;
  /** Ids by resource ("sites", "monitors", "teams:name"…): the seeded ones, then what the suite makes. */
  readonly pools = new Map<string, Set<string>>();
  /** Seeded ids no change may touch (the callers' own accounts, teams and tokens, the seeded objects). */
  readonly kept = new Map<string, Set<string>>();
  /** The other team's objects, by resource. */
  readonly other = new Map<string, string>();
  requests = 0;
  files = '';

  async start(dialect: 'sqlite' | 'postgres'): Promise<void> {
    this.dns = await startDnsServer({});
    this.db = await createTestDatabase(dialect);
    this.core = await openTestCore(this.db);
    // Backups of both teams, each job with a snapshot (names that do not give the team away: the site does).
    this.files = await mkdtemp(join(tmpdir(), 'upkeep-fuzz-'));
    for (const dir of ['alpha', 'z', 'restores']) await mkdir(join(this.files, dir));
    await writeFile(join(this.files, 'alpha', 'index.html'), '<h1>Alpha</h1>');
    await writeFile(join(this.files, 'z', 'notes.txt'), 'the other team’s notes');
    const loaded = config(`
sites:
  - name: Shop
    url: http://127.0.0.1:9/
    tags: [alpha]
    monitors: [{ name: Home page, type: http, url: "http://127.0.0.1:9/", interval: 1h, paused: true }]
  - name: Alpha Site
    url: http://127.0.0.1:9/
    tags: [alpha]
    monitors: [{ name: Alpha Home, type: tcp, host: 127.0.0.1, port: 9, interval: 1h, paused: true }]
  - name: ${OTHER} Site
    url: http://127.0.0.1:9/
    tags: [zulu]
    monitors: [{ name: ${OTHER} Home, type: tcp, host: 127.0.0.1, port: 9, interval: 1h, paused: true }]
channels:
  - { name: hook, type: webhook, url: "http://127.0.0.1:9/hook", secret: a-webhook-secret-of-some-length }
maintenance:
  - { name: Sunday, cron: "0 2 * * 0", duration: 1h, sites: [${OTHER} Site] }
backups:
  restoreRoot: ${this.files}/restores
  repositories:
    a-repo: { backend: { kind: local, path: ${this.files}/a-repo }, password: a backup password }
    z-repo: { backend: { kind: local, path: ${this.files}/z-repo }, password: a backup password }
  jobs:
    - { name: alpha-www, site: Alpha Site, repository: a-repo, source: { kind: dir, paths: ['${this.files}/alpha'] }, schedule: '0 0 1 1 *' }
    - { name: z-files, site: ${OTHER} Site, repository: z-repo, source: { kind: dir, paths: ['${this.files}/z'] }, schedule: '0 0 1 1 *' }
updates:
  policies:
    - { name: careful, tags: [alpha], when: Sunday }
`);
    await this.core.sync.apply(loaded, { dryRun: false });
    const backups = loaded.config.backups!;
    const snapshots: string[] = [];
    for (const job of backups.jobs) {
      const result = await runBackup(job, backups.repositories[job.repository]!, { log: silentLogger() });
      snapshots.push(result.stats!.snapshotId);
    }
    this.server = await testRuntime(this.core, { ...loaded.config, network: { ...loaded.config.network, resolvers: [this.dns.server] } });
    await this.server.app.listen({ host: '127.0.0.1', port: 0 });
    this.base = `http://127.0.0.1:${(this.server.app.server.address() as AddressInfo).port}`;

    const owner = await this.core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
    this.tokens.owner = (await this.core.accounts.createToken({ name: 'owner', scope: 'write', userId: owner.id })).token;
    this.tokens.reader = (await this.core.accounts.createToken({ name: 'reader', scope: 'read', userId: owner.id })).token;
    const put = (path: string, body: unknown) => this.call('owner', 'PUT', path, body);
    const post = (path: string, body: unknown) => this.call('owner', 'POST', path, body);
    const alpha = JSON.parse((await put('/teams/Alpha', { tags: ['alpha'] })).body) as { id: number };
    const zulu = JSON.parse((await put(`/teams/${OTHER}`, { tags: ['zulu'] })).body) as { id: number };
    const client = JSON.parse(
      (await post('/users', { email: 'client@alpha.test', password: 'client password 123', role: 'viewer', teams: [{ team: 'Alpha', role: 'editor' }] })).body,
    ) as { id: number };
    this.tokens.team = (await this.core.accounts.createToken({ name: 'client', scope: 'write', userId: client.id })).token;

    const site = (name: string) => this.core.sites.listSites({ limit: 5, search: name }).then((p) => p.items[0]!);
    const [siteA, siteZ] = [await site('Alpha Site'), await site(`${OTHER} Site`)];
    const monitorOf = async (siteId: number) => (await this.core.sites.listMonitors({ limit: 5, siteId })).items[0]!.id;
    const incident = async (siteId: number, title: string) => (JSON.parse((await post('/incidents', { siteId, title })).body) as { id: number }).id;
    const incidentZ = await incident(siteZ.id, `${OTHER} is down`);
    const page = JSON.parse(
      (await post('/status-pages', { slug: 'agency', title: 'Agency status', components: [{ name: 'Alpha', site: 'Alpha Site' }] })).body,
    ) as {
      id: number;
    };
    const template = JSON.parse((await post('/message-templates', { name: 'Investigating', status: 'investigating', body: 'We are looking.' })).body) as {
      id: number;
    };
    const seeded: Record<string, (number | string)[]> = {
      sites: [siteA.id, siteZ.id],
      monitors: [await monitorOf(siteA.id), await monitorOf(siteZ.id)],
      incidents: [await incident(siteA.id, 'Alpha is slow'), incidentZ],
      audits: [
        (await this.core.audits.runAudit(siteA.id, { only: ['security'], allowPrivate: true })).id,
        (await this.core.audits.runAudit(siteZ.id, { only: ['security'], allowPrivate: true })).id,
      ],
      channels: [(await this.core.channels.list({ limit: 1 })).items[0]!.id],
      maintenance: [(await this.server.incidents.maintenance.list())[0]!.id],
      users: [owner.id, client.id],
      teams: [alpha.id, zulu.id],
      'teams:name': ['Alpha', OTHER],
      'update-policies:name': ['careful'],
      tokens: (await this.core.accounts.listTokens()).map((t) => t.id),
      'status-pages': [page.id],
      'message-templates': [template.id],
      job: ['alpha-www', 'z-files'],
      snapshot: snapshots,
      repository: ['a-repo', 'z-repo'],
    };
    for (const [resource, ids] of Object.entries(seeded)) {
      this.pools.set(resource, new Set(ids.map(String)));
      this.kept.set(resource, new Set(ids.map(String)));
    }
    Object.entries({ sites: siteZ.id, monitors: seeded.monitors![1], incidents: incidentZ, audits: seeded.audits![1] }).forEach(([k, v]) =>
      this.other.set(k, String(v)),
    );
    this.doc = JSON.parse((await this.call('owner', 'GET', '/openapi.json')).body) as OpenApiDoc;
  }

  async call(who: Caller | 'nobody', method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const url = path.startsWith(API) ? path : `${API}${path}`;
    const res = await request(`${this.base}${url}`, {
      method: method as 'GET',
      headers: {
        ...(who === 'nobody' ? {} : { authorization: `Bearer ${this.tokens[who]}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    this.requests++;
    const contentType = String(res.headers['content-type'] ?? '');
    // A stream of events never ends: what it is shows in its head.
    if (contentType.startsWith('text/event-stream')) {
      res.body.destroy();
      return { status: res.statusCode, contentType, body: '', headers: res.headers };
    }
    return { status: res.statusCode, contentType, body: await res.body.text(), headers: res.headers };
  }

  add(resource: string, id: string): void {
    const pool = this.pools.get(resource) ?? new Set<string>();
    pool.add(id);
    this.pools.set(resource, pool);
  }

  /** What a read-only caller must leave as it was: every stored definition (not results, sessions or last-used times). */
  async snapshot(): Promise<Record<string, string[]>> {
    const db = this.core.storage.db as unknown as { selectFrom(t: string): { selectAll(): { execute(): Promise<Record<string, unknown>[]> } } };
    const tables = ['sites', 'monitors', 'channels', 'users', 'api_tokens', 'incidents', 'incident_timeline', 'config_objects', 'teams', 'memberships'];
    const out: Record<string, string[]> = {};
    for (const table of [...tables, 'activity', 'status_pages', 'incident_updates', 'status_subscribers']) {
      const rows = await db.selectFrom(table).selectAll().execute();
      out[table] = rows.map((r) => JSON.stringify({ ...r, last_used_at: null })).sort();
    }
    return out;
  }

  /** The rows one snapshot has and the other has not, by table. */
  static changes(before: Record<string, string[]>, after: Record<string, string[]>): string[] {
    return Object.keys(before).flatMap((table) => {
      const was = new Set(before[table]);
      const now = new Set(after[table]);
      return [
        ...[...was].filter((r) => !now.has(r)).map((r) => `${table} lost ${r}`),
        ...[...now].filter((r) => !was.has(r)).map((r) => `${table} gained ${r}`),
      ];
    });
  }

  async stop(): Promise<void> {
    await this.server?.close();
    await this.core?.close();
    await this.db?.cleanup();
    await this.dns?.close();
    if (this.files) await rm(this.files, { recursive: true, force: true });
  }
}
