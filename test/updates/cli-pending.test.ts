import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { ApprovalsRepository } from '../../src/updates/approvals.repository.js';
import { RunsRepository } from '../../src/updates/runs/runs.repository.js';
import { startSshd, sshNeeds, sshReady, type Sshd } from '../backups/support/sshd.js';
import { describeWhen } from '../backups/support/tools.js';
import { learnFlysystemAdvisory } from './fixtures/services.js';
import { runCli } from '../support/cli.js';
import { config, openTestCore, testEnv } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';

/**
 * `upkeep updates plan|run <site>` without `--spec`: the run the server would make of the site's
 * pending updates (its `updates.sites` entry and policy), over a real loopback sshd, with the
 * policy's approval kept: a run the policy wants a person for needs `--approved-by` one of them.
 */
describeWhen(sshReady, sshNeeds, 'updates plan|run <site> from the pending updates', () => {
  for (const { dialect, skip } of dialects) {
    if (skip) {
      it.skip(`${dialect}: ${skip}`, () => {});
      continue;
    }
    let dir: string;
    let sshd: Sshd;
    let db: TestDatabase;
    let core: Core;
    let configFile: string;
    let env: Record<string, string | undefined>;
    let shopId: number;
    const cli = (...args: string[]) => runCli(['updates', ...args, '-c', configFile, '-d', db.dataDir], { env });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'upkeep-updates-cli-'));
      sshd = await startSshd(join(dir, 'sshd'));
      // The site's folder holds a composer.lock with league/flysystem 1.0.8.
      await copyFile(new URL('./fixtures/site-files/composer.lock', import.meta.url), join(dir, 'composer.lock'));
      db = await createTestDatabase(dialect);
      core = await openTestCore(db);
      const yaml = `
sites:
  - { name: Shop }
  - { name: Other }
updates:
  sites:
    - site: Shop
      ssh: { host: 127.0.0.1, port: ${sshd.port}, username: ${sshd.user}, privateKeyPath: "${sshd.key}", hostKeySha256: "${sshd.hostKeySha256}", root: "${dir}" }
      pages: [{ url: "http://127.0.0.1:9/" }]
      rollback: { kind: command, command: "true" }
  policies:
    - { name: clients, sites: [Shop], updates: [security], approve: { people: [ops@example.test] }, incidents: { severity: "off", endOfLife: false } }
`;
      configFile = join(dir, 'upkeep.yaml');
      await writeFile(configFile, yaml);
      await core.sync.apply(config(yaml), { dryRun: false });
      await core.accounts.createUser({ email: 'ops@example.test', password: 'a password 12345', role: 'editor' });
      await core.accounts.createUser({ email: 'someone@example.test', password: 'a password 12345', role: 'editor' });
      shopId = (await core.sites.findSite('Shop'))!.id;
      env = testEnv(db).vars;
    }, 60_000);
    afterAll(async () => {
      await core?.close();
      await db?.cleanup();
      sshd?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it(`${dialect}: clear errors for an unknown site and a site without an updates.sites entry`, async () => {
      const unknown = await cli('plan', 'Nowhere');
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('site "Nowhere" does not exist');
      const other = await cli('run', 'Other', '--dry-run');
      expect(other.code).not.toBe(0);
      expect(other.stderr).toContain('site "Other" is not set up for update runs: give it an entry under updates.sites in upkeep.yaml');
      expect(`${unknown.stderr}${other.stderr}`).not.toMatch(/\n\s+at /);
    }, 60_000);

    it(`${dialect}: nothing pending: plan says so and exits 0; run does nothing`, async () => {
      const plan = await cli('plan', 'Shop');
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toContain("4. nothing to update that the site's policy lets through");
      const json = await cli('plan', 'Shop', '--json');
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ site: 'Shop', steps: [], backups: [], pages: ['http://127.0.0.1:9/'] });
      const run = await cli('run', 'Shop');
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('Nothing to update on Shop that its policy lets through; no run started.');
      expect(await new ApprovalsRepository(core.storage.db).list({ siteId: shopId, siteIds: 'all', limit: 10 })).toEqual([]);
    }, 60_000);

    it(`${dialect}: with a security fix pending, plan shows the server's run; run needs --approved-by one of the policy's people, then goes the API's way`, async () => {
      // The knowledge learns of a critical advisory for that version (a refresh from OSV would bring it).
      learnFlysystemAdvisory(core.dataDir, new Date());
      const plan = await cli('plan', 'Shop', '--json');
      expect(plan.code, plan.stderr).toBe(0);
      const planned = JSON.parse(plan.stdout) as { steps: string[]; checks: { tool: string }[] };
      expect(planned.steps).toEqual(['composer update league/flysystem --with-dependencies']);
      expect(planned.checks.map((c) => c.tool)).toEqual(['composer']);
      const text = await cli('run', 'Shop', '--dry-run');
      expect(text.stdout).toContain('4.1 composer update league/flysystem --with-dependencies');
      expect(text.stdout).toContain('Approval: one of ops@example.test (or an admin)');

      // The policy wants a person: the command line does not let the run through without one.
      const refused = await cli('run', 'Shop');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('the policy clients needs the approval of ops@example.test (or an admin) for updates of Shop');
      expect(refused.stderr).toContain('approvals queue (/updates/approvals), or name the approver with --approved-by <email>');
      const notTheirs = await cli('run', 'Shop', '--approved-by', 'someone@example.test');
      expect(notTheirs.code).not.toBe(0);
      expect(notTheirs.stderr).toContain('the policy clients lets only ops@example.test (or an admin) approve updates of this site');
      const nobody = await cli('run', 'Shop', '--approved-by', 'ghost@example.test');
      expect(nobody.code).not.toBe(0);
      expect(nobody.stderr).toContain('--approved-by: no active account has the email ghost@example.test');
      const approvals = new ApprovalsRepository(core.storage.db);
      expect(await approvals.list({ siteId: shopId, siteIds: 'all', limit: 10 })).toEqual([]);
      expect(await new RunsRepository(core.storage.db).list(shopId, 10)).toEqual([]);

      // One run at a time per site: while another holds the site's lease, the approved request fails, naming that run.
      const runsRepo = new RunsRepository(core.storage.db);
      await runsRepo.lease(shopId, 424_242, 'another upkeep', Date.now(), Date.now() + 3_600_000);
      const busy = await cli('run', 'Shop', '--approved-by', 'ops@example.test');
      expect(busy.code).not.toBe(0);
      expect(busy.stderr).toContain('has update run 424242 under way; one run at a time per site');
      expect((await approvals.list({ siteId: shopId, siteIds: 'all', limit: 10 })).map((a) => a.status)).toEqual(['failed']);
      await runsRepo.release(shopId, 424_242);

      // Named, the approver's run is requested, approved and run like the API's: recorded with who approved it.
      // (The page does not answer, so the run stops before any update step: the exit code says it did not succeed.)
      const approved = await cli('run', 'Shop', '--approved-by', 'ops@example.test', '--json');
      expect(approved.code, approved.stderr).toBe(1);
      const record = JSON.parse(approved.stdout) as { id: number; status: string; reason: string };
      expect(record.status, record.reason).toBe('failed');
      expect(record.reason).toContain('the site fails its checks before any update, so nothing was updated');
      const [request] = await approvals.list({ siteId: shopId, siteIds: 'all', limit: 1 });
      expect(request).toMatchObject({
        status: 'approved',
        requested_by: 'upkeep updates run (command line)',
        decided_by: 'ops@example.test (--approved-by on the command line)',
        run_id: record.id,
      });
      expect(JSON.parse(request!.plan)).toMatchObject({ steps: [{ kind: 'composer', packages: ['league/flysystem'] }] });
    }, 180_000);
  }
});
