import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { formatPlan } from '../../src/config/apply.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const env = { UPKEEP_WEBHOOK_SECRET: 'a-test-secret-long-enough', UPKEEP_BACKUP_PASSWORD: 'backup password' };

const file = (jobs: string, extra = '') => `sites:
  - name: Shop
    monitors:
      - { name: Home, type: http, url: 'https://shop.example.com/' }
  - name: Blog
backups:
  repositories:
    main:
      backend: { kind: local, path: /var/backups/upkeep }
      password: \${UPKEEP_BACKUP_PASSWORD}
  jobs:
${jobs}
${extra}`;

const www = `    - name: www
      site: Shop
      repository: main
      source: { kind: dir, paths: [/var/www] }
      schedule: '0 3 * * *'
      timezone: Europe/Stockholm
      grace: 30m
      retention: { keepDaily: 7, keepWithin: 2d }`;
const blogDb = `    - { name: blog-db, site: Blog, repository: main, source: { kind: sqlite, path: /srv/blog.db }, schedule: '0 2 * * *', drill: false }`;

describe('the backups section of upkeep.yaml', () => {
  it('takes durations, cron expressions and time zones as the rest of the file does', () => {
    const { backups } = config(file(www), env).config;
    expect(backups!.jobs[0]).toMatchObject({
      grace: 1_800_000,
      timezone: 'Europe/Stockholm',
      retention: { keepDaily: 7, keepWithin: 172_800_000, prune: true },
    });
    expect(backups!.drills).toMatchObject({ schedule: '0 6 * * 0', timezone: 'UTC', grace: 7_200_000 });
  });

  it('points at the line and field of what is wrong', () => {
    const cases: [string, string][] = [
      [
        www.replace('site: Shop', 'site: Shopp'),
        'upkeep.yaml:13:13 backups.jobs[0].site: no site is named "Shopp" (a backup job reports to a site\'s heartbeat monitors)',
      ],
      [www.replace('grace: 30m', 'grace: soon'), 'upkeep.yaml:18:14 backups.jobs[0].grace: expected a duration like "30s" or "5m", got "soon"'],
      [www.replace("'0 3 * * *'", "'at three'"), 'upkeep.yaml:16:17 backups.jobs[0].schedule: expected a cron expression like "0 3 * * *", got "at three"'],
      [
        www.replace('Europe/Stockholm', 'Mars/Olympus'),
        'upkeep.yaml:17:17 backups.jobs[0].timezone: expected an IANA time zone like "Europe/Stockholm", got "Mars/Olympus"',
      ],
      [
        www.replace('repository: main', 'repository: offsite'),
        'upkeep.yaml:14:19 backups.jobs[0].repository: no repository named "offsite" under backups.repositories',
      ],
      [www.replace('      site: Shop\n', ''), 'upkeep.yaml:12:7 backups.jobs[0].site: missing required field'],
      [
        www.replace('name: www', 'name: Home'),
        'upkeep.yaml:12:13 backups.jobs[0].name: a job name is lower-case letters, digits and dashes, like "www" or "shop-db"',
      ],
    ];
    for (const [jobs, message] of cases) expect(() => config(file(jobs), env), message).toThrow(message);
    const taken = file(www).replace("- { name: Home, type: http, url: 'https://shop.example.com/' }", "- { name: 'Backup: www', type: heartbeat, period: 1d }");
    expect(() => config(taken, env)).toThrow('site "Shop" already has a monitor named "Backup: www", which this job makes; rename one of them');
  });

  it("refuses a job named like Upkeep's own backup, or tagged with Upkeep's own tags (its site's team would see those snapshots)", () => {
    expect(() => config(file(www.replace('name: www', 'name: upkeep-self')), env)).toThrow(
      'backups.jobs[0].name: "upkeep-self" is the name of Upkeep\'s own backup (backups.self); choose another',
    );
    for (const tag of ['upkeep-job:blog-db', 'upkeep-rows:e30'])
      expect(() => config(file(`${www}\n      tags: ['${tag}']`), env)).toThrow(
        'backups.jobs[0].tags[0]: tags starting with "upkeep-" are Upkeep\'s own (the job a snapshot belongs to); choose another',
      );
  });
});

describe('heartbeat monitors derived from backup jobs', () => {
  let db: TestDatabase;
  let core: Core;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
  });
  afterAll(async () => {
    await core?.close();
    await db?.cleanup();
  });

  const monitors = async () =>
    (await core.sites.listMonitors({ limit: 100 })).items.map((m) => ({ key: `${m.siteName}/${m.spec.name}`, spec: m.spec, managedBy: m.managedBy }));

  it('are made, kept and removed by the config file like any monitor it owns', async () => {
    const first = await core.sync.apply(config(file(`${www}\n${blogDb}`), env), { dryRun: false });
    expect(first.items.filter((i) => i.kind === 'monitor').map((i) => `${i.action} ${i.key}`)).toEqual([
      'create Shop/Home',
      'create Shop/Backup: www',
      'create Shop/Restore drill: www',
      'create Shop/Repository check: main',
      'create Blog/Backup: blog-db',
      'create Blog/Repository check: main',
    ]);
    const made = await monitors();
    expect(made.find((m) => m.key === 'Shop/Backup: www')).toMatchObject({
      managedBy: 'config',
      spec: { type: 'heartbeat', schedule: '0 3 * * *', timezone: 'Europe/Stockholm', grace: 1_800_000, tags: ['backup'] },
    });
    expect(made.find((m) => m.key === 'Shop/Restore drill: www')?.spec).toMatchObject({ schedule: '0 6 * * 0', timezone: 'UTC', grace: 7_200_000 });

    expect(formatPlan(await core.sync.apply(config(file(`${www}\n${blogDb}`), env), { dryRun: false }), false)).toBe(
      'No changes: the database matches the config file.',
    );

    const later = await core.sync.apply(config(file(www.replace("'0 3 * * *'", "'30 4 * * *'")), env), { dryRun: false });
    expect(later.items.map((i) => `${i.action} ${i.key}${i.changes.length ? `: ${i.changes.join('; ')}` : ''}`)).toEqual([
      'update backups: job "blog-db" removed; jobs.www.schedule: "0 3 * * *" → "30 4 * * *"',
      'delete Blog/Backup: blog-db',
      'delete Blog/Repository check: main',
      'update Shop/Backup: www: schedule: "0 3 * * *" → "30 4 * * *"',
    ]);
    expect((await monitors()).map((m) => m.key)).toEqual(['Shop/Home', 'Shop/Backup: www', 'Shop/Restore drill: www', 'Shop/Repository check: main']);
  });
});
