import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { inventoryOverSsh } from '../../src/updates/ssh/inventory.js';
import type { SshTarget } from '../../src/updates/ssh/target.js';
import type { RunRecord } from '../../src/updates/runs/runs.service.js';
import { withUpdatesTables } from '../../src/updates/tables.js';
import { describeWhen } from '../backups/support/tools.js';
import { runCli } from '../support/cli.js';
import { config, openTestCore, testEnv } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { until } from '../support/receivers.js';
import { PLUGIN, startWordPress, TITLE, wordpressNeeds, wordpressReady, type WordPress } from './support/wordpress.js';

describeWhen(wordpressReady, wordpressNeeds, 'updates on a real WordPress (Debian package, php -S, MariaDB, sshd)', () => {
  let dir: string;
  let wp: WordPress;
  let target: SshTarget;
  let db: TestDatabase;
  let core: Core;
  let loaded: LoadedConfig;
  let server: TestApp;
  let configFile: string;
  let requester: string;
  let approver: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'upkeep-wp-'));
    wp = await startWordPress(dir);
    target = {
      host: '127.0.0.1',
      port: wp.sshd.port,
      username: wp.sshd.user,
      privateKeyPath: wp.sshd.key,
      knownHostsFile: join(dir, 'known_hosts'),
      root: wp.root,
    };
    const yaml = `
incidents: { groupWait: 0s }
network: { allowPrivateTargets: true }
sites:
  - name: Blog
    url: "${wp.url}"
    monitors:
      - { name: Home, type: http, url: "${wp.url}", interval: 2s, timeout: 10s, expect: { status: [200], contains: "${TITLE}" } }
backups:
  repositories:
    local: { backend: { kind: local, path: "${join(dir, 'repo')}" }, password: a-test-repository-password }
  jobs:
    - name: blog-files
      site: Blog
      repository: local
      schedule: "0 3 * * *"
      source: { kind: sftp-dir, host: 127.0.0.1, port: ${wp.sshd.port}, username: ${wp.sshd.user}, privateKeyPath: "${wp.sshd.key}", knownHostsFile: "${join(dir, 'known_hosts')}", paths: ["${wp.root}"] }
    - name: blog-db
      site: Blog
      repository: local
      schedule: "0 3 * * *"
      source: { kind: mysql, host: "${wp.db.host}", port: ${wp.db.port}, user: ${wp.db.user}, password: ${wp.db.password}, database: ${wp.db.database} }
updates:
  sites:
    - site: Blog
      ssh: { host: 127.0.0.1, port: ${wp.sshd.port}, username: ${wp.sshd.user}, privateKeyPath: "${wp.sshd.key}", knownHostsFile: "${join(dir, 'known_hosts')}", root: "${wp.root}" }
      pages: [{ url: "${wp.url}", contains: "${TITLE}" }, { url: "${wp.url}?p=1", contains: "Hello world!" }]
      wordpress: files
      wordpressDownloads: "${wp.downloads.url('')}"
      inventory: "off"
  policies:
    - { name: careful, approve: { people: [approver@agency.test] } }
`;
    configFile = join(dir, 'upkeep.yaml');
    writeFileSync(configFile, yaml);
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    loaded = config(yaml, {});
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config);
    const token = async (email: string) =>
      (
        await core.accounts.createToken({
          name: email,
          scope: 'write',
          userId: (await core.accounts.createUser({ email, password: 'a password 12345', role: 'editor' })).id,
        })
      ).token;
    requester = await token('editor@agency.test');
    approver = await token('approver@agency.test');
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await wp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const spec = (version: string, extra: object[] = []) => ({
    ssh: target,
    pages: [
      { url: wp.url, contains: TITLE },
      { url: `${wp.url}?p=1`, contains: 'Hello world!' },
    ],
    steps: [{ kind: 'wordpress-plugin', slug: PLUGIN, version }, ...extra],
    wordpressDownloads: wp.downloads.url(''),
  });
  const eventsOf = (run: RunRecord) => run.events.map((e) => e.event);
  /** The run's log, shown when an expectation about its outcome fails. */
  const logOf = (run: RunRecord) => [run.reason, ...run.steps.map((s) => `${s.phase} ${s.status}: ${s.title}\n  ${s.output.slice(0, 600)}`)].join('\n');
  const site = async () => (await core.sites.listSites({ limit: 10 })).items.find((s) => s.spec.name === 'Blog')!;
  const homeUp = () =>
    until(
      'the Home monitor up in the engine',
      () => [...server.engine.states()].map(([, rt]) => rt).find((rt) => rt.monitor.spec.name === 'Home' && rt.state.status === 'up'),
      30_000,
    );

  /**
   * Incidents other than those about components: `updates plan` records an inventory, and what it finds past its end
   * of life or vulnerable (this machine's Node 20, for one) opens incidents of its own, by design, before any run.
   */
  const alerts = async () => {
    const aboutComponents = await withUpdatesTables(core.storage.db).selectFrom('update_component_incidents').select('incident_id').execute();
    const ids = new Set(aboutComponents.map((r) => r.incident_id));
    return (await server.incidents.service.list({ limit: 20 })).filter((i) => !ids.has(i.id));
  };

  it('lists core, plugins and themes over SSH with the versions WordPress itself reports', async () => {
    const truth = wp.installed();
    const inventory = await inventoryOverSsh(target);
    const versions = (ecosystem: string) => Object.fromEntries(inventory.components.filter((c) => c.ecosystem === ecosystem).map((c) => [c.name, c.version]));
    expect(truth.plugins[PLUGIN]).toBe('1.0');
    expect(versions('wordpress-core')).toEqual({ wordpress: truth.core });
    expect(versions('wordpress-plugin')).toEqual(truth.plugins);
    expect(versions('wordpress-theme')).toEqual(truth.themes);
    expect(inventory.components.find((c) => c.ecosystem === 'runtime:php')?.version).toMatch(/^8\.\d+\.\d+$/);
    expect(inventory.problems).toEqual([]);
  }, 60_000);

  it('the CLI: inventory <url> --ssh lists them too; updates plan keeps an inventory and shows the run; run --dry-run changes nothing', async () => {
    const env = testEnv(db).vars;
    const ssh = [`//${wp.sshd.user}@127.0.0.1:${wp.sshd.port}/${wp.root}`, '--ssh-key', wp.sshd.key, '--known-hosts', join(dir, 'known_hosts')];
    const inventory = await runCli(['inventory', wp.url, '--allow-private', '--json', '--data-dir', db.dataDir, '--ssh', ...ssh], { env });
    expect(inventory.code, inventory.stderr).toBe(0);
    const listed = JSON.parse(inventory.stdout) as { ssh: string; components: { ecosystem: string; name: string; version?: string }[] };
    expect(listed.ssh).toBe(`${wp.sshd.user}@127.0.0.1:${wp.sshd.port}:${wp.root}`);
    const truth = wp.installed();
    expect(listed.components.filter((c) => c.ecosystem === 'wordpress-plugin' && c.name === PLUGIN).map((c) => c.version)).toEqual([truth.plugins[PLUGIN]]);
    expect(listed.components.filter((c) => c.ecosystem === 'wordpress-core').map((c) => c.version)).toEqual([truth.core]);

    const specFile = join(dir, 'run.json');
    writeFileSync(specFile, JSON.stringify(spec('1.1')));
    const files = await wp.files();
    const plan = await runCli(['updates', 'plan', 'Blog', '--spec', specFile, '-c', configFile, '-d', db.dataDir, '--json'], { env });
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as { backups: string[]; steps: string[]; inventory: { id: number; components: number } };
    expect(planned.backups).toEqual(['blog-files', 'blog-db']);
    expect(planned.steps).toEqual([`install plugin ${PLUGIN} 1.1 from its release zip`]);
    expect(planned.inventory.components).toBeGreaterThan(3);
    const dry = await runCli(['updates', 'run', 'Blog', '--spec', specFile, '-c', configFile, '-d', db.dataDir, '--dry-run'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^Dry run: would update Blog/);
    expect(dry.stdout).toContain(`install plugin ${PLUGIN} 1.1`);
    // The second plan's inventory equals the first: kept once, not again.
    expect(dry.stdout).toContain(`Inventory ${planned.inventory.id} kept`);
    expect(await wp.files()).toEqual(files);
    expect(await server.updates.list((await site()).id)).toEqual([]);
  }, 180_000);

  it('a good plugin update, asked for and approved by a person, passes verification and is recorded; the window is closed and nothing alerted', async () => {
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const blog = await site();
    // The policy needs a person: the request waits in the queue, and nothing changes meanwhile.
    const asked = await server.app.inject({
      method: 'POST',
      url: `/api/v1/sites/${blog.id}/updates/runs`,
      headers: as(requester),
      payload: { steps: [{ kind: 'wordpress-plugin', slug: PLUGIN, version: '1.1' }] },
    });
    expect(asked.statusCode, asked.body).toBe(202);
    expect(asked.json()).toMatchObject({ status: 'pending', runId: null, steps: [`install plugin ${PLUGIN} 1.1 from its release zip`] });
    const id = asked.json().id as number;
    // The one who asked is not the policy's approver.
    expect((await server.app.inject({ method: 'POST', url: `/api/v1/update-approvals/${id}/approve`, headers: as(requester) })).statusCode).toBe(403);
    expect(wp.installed().plugins[PLUGIN]).toBe('1.0');
    expect(await server.updates.list(blog.id)).toEqual([]);
    const approved = await server.app.inject({ method: 'POST', url: `/api/v1/update-approvals/${id}/approve`, headers: as(approver) });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', decidedBy: expect.stringMatching(/^approver@agency\.test/) });
    const runId = approved.json().runId as number;
    expect(runId).toEqual(expect.any(Number));
    const run = await until(
      'the approved run to end',
      async () => {
        const r = await server.updates.get(runId);
        return r.status === 'running' ? undefined : r;
      },
      240_000,
    );
    expect(run.reason).toBeNull();
    expect(run.status, logOf(run)).toBe('succeeded');
    expect(wp.installed().plugins[PLUGIN]).toBe('1.1');
    expect(eventsOf(run)).toEqual(['update.started', 'update.succeeded']);
    expect(run.steps.map((s) => `${s.phase} ${s.status}`)).toEqual(['backup ok', 'backup ok', 'capture ok', 'update:wordpress-plugin ok', 'verify ok']);
    expect(run.steps[3]!.output).toMatch(/wrote 3 files/);
    expect(run.state.after!.pages.every((p) => p.ratio !== undefined && p.ratio <= 0.01)).toBe(true);
    expect((await server.incidents.maintenance.list()).map((w) => w.spec.name)).toEqual([]);
    expect(await alerts()).toEqual([]);
    expect((await server.updates.list((await site()).id)).map((r) => r.id)).toContain(run.id);
  }, 300_000);

  it(
    'a plugin update with a fatal error is detected and rolled back: files and database byte for byte, monitors up, no alert',
    { timeout: 300_000 },
    async () => {
      const files = await wp.files();
      const dump = wp.dump();
      const run = await server.updates.run('Blog', spec('1.2'));
      expect(run.status, logOf(run)).toBe('rolled_back');
      // It really broke: WordPress answered its "critical error" page with 500.
      expect(run.state.after!.pages[0]!.capture.status).toBe(500);
      expect(run.state.after!.pages[0]!.capture.fatal).toMatch(/critical error/);
      expect(run.reason).toMatch(/^verification failed: .* answered 500/);
      expect(eventsOf(run)).toEqual(['update.started', 'update.failed', 'update.rolled_back']);
      expect(run.state.afterRollback!.ok).toBe(true);
      expect(await wp.files()).toEqual(files);
      expect(wp.dump()).toBe(dump);
      expect(wp.installed().plugins[PLUGIN]).toBe('1.1');
      await homeUp();
      expect(await alerts()).toEqual([]);
    },
  );

  it('a plugin update that breaks the layout (no error anywhere) is caught by the visual comparison and rolled back', async () => {
    const files = await wp.files();
    const dump = wp.dump();
    const run = await server.updates.run('Blog', spec('1.3'));
    expect(run.status, logOf(run)).toBe('rolled_back');
    const after = run.state.after!.pages[0]!;
    expect(after.capture.status).toBe(200);
    expect(after.capture.fatal).toBeUndefined();
    expect(after.problems.join('\n')).toMatch(/looks different: .* % of its pixels changed/);
    expect(await wp.files()).toEqual(files);
    expect(wp.dump()).toBe(dump);
  }, 300_000);

  it('a restart in the middle of a run ends in a verified site and a recorded outcome', async () => {
    const files = await wp.files();
    const dump = wp.dump();
    const marker = join(dir, 'step-2-started');
    const childLog = openSync(join(dir, 'child.log'), 'w');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'support', 'run-child.ts'),
        db.dataDir,
        configFile,
        'Blog',
        JSON.stringify(spec('1.2', [{ kind: 'command', command: `touch ${marker} && sleep 300` }])),
      ],
      { env: { ...process.env, ...testEnv(db).vars }, stdio: ['ignore', childLog, childLog] },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await until(
      'the second update step under way',
      () =>
        existsSync(marker) ||
        (child.exitCode !== null && Promise.reject(new Error(`the run's process ended: ${readFileSync(join(dir, 'child.log'), 'utf8')}`))),
      240_000,
    );
    child.kill('SIGKILL');
    await exited;
    const [stopped] = await server.updates.list((await site()).id, 1);
    expect(stopped!.status).toBe('running');
    expect(stopped!.phase).toBe('update');
    // Upkeep starting again: the run's lease runs out, and it is taken over.
    const finished = await until(
      'the run resumed and finished',
      async () => {
        await server.updates.resumeUnfinished();
        const run = await server.updates.get(stopped!.id);
        return run.status === 'running' ? undefined : run;
      },
      240_000,
    );
    expect(finished.status, logOf(finished)).toBe('rolled_back');
    expect(finished.reason).toMatch(/Upkeep stopped during update step 2/);
    expect(finished.steps.find((s) => s.title.includes('sleep'))?.output).toMatch(/interrupted/);
    expect(finished.state.afterRollback!.ok).toBe(true);
    expect(eventsOf(finished)).toEqual(['update.started', 'update.rolled_back']);
    expect(await wp.files()).toEqual(files);
    expect(wp.dump()).toBe(dump);
    expect((await server.incidents.maintenance.list()).map((w) => w.spec.name)).toEqual([]);
  }, 600_000);
});
