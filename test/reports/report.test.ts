import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { withFeedbackTables } from '../../src/feedback/tables.js';
import { AuditsRepository } from '../../src/audits/audits.repository.js';
import { ConfigObjectsRepository } from '../../src/incidents/config-objects.repository.js';
import { IncidentsRepository } from '../../src/incidents/incidents.repository.js';
import { silentLogger } from '../../src/lib/logger.js';
import { ResultsRepository } from '../../src/monitoring/results.repository.js';
import { ResultStore } from '../../src/monitoring/results.service.js';
import { makeReport } from '../../src/reports/index.js';
import { monthOf } from '../../src/lib/time.js';
import { InventoriesRepository } from '../../src/updates/inventories.repository.js';
import { RunsRepository } from '../../src/updates/runs/runs.repository.js';
import { axe, chromiumSkipReason, CHROMIUM, launchChromium } from '../support/browser.js';
import { runCli } from '../support/cli.js';
import { openTestCore } from '../support/core.js';
import { testClock } from '../support/clock.js';
import { createTestDatabase, dialects, tempDir, type TestDatabase } from '../support/databases.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const clock = testClock();
/** A 4×2 grey logo. */
const LOGO = (() => {
  const png = new PNG({ width: 4, height: 2 });
  png.data.fill(120);
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
})();
const pdftotextMissing = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'pdftotext is missing (apt-get install -y poppler-utils)';
  }
})();

/** The text a reader sees on the page (not the head's title, which is not printed), without tags, with entities decoded and spaces collapsed. */
const textOf = (html: string) =>
  html
    .replace(/<head>[\s\S]*?<\/head>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x2F;/g, '/')
    .replace(/&quot;/g, '"')
    .replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
const numbersOf = (text: string) => (text.match(/\d+(?:\.\d+)?/g) ?? []).sort();

/**
 * October 2026 in Stockholm (31 days and one hour: the clocks go back on the 25th) of a team's site:
 * the report's figures are those computed directly from the raw results, and its PDF, printed by
 * Chromium, reads back through pdftotext with the same numbers as the HTML.
 */
describe.each(dialects)('the monthly report on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  let monitorId: number;
  let backupId: number;
  let drillId: number;
  let siteId: number;
  let elsewhereId: number;
  const { from, to } = monthOf('2026-10', 'Europe/Stockholm');

  beforeAll(async () => {
    clock.t = from - DAY;
    db = await createTestDatabase(dialect);
    core = await openTestCore(db, clock);
    await core.users.putTeam('Client A', { tags: ['client-a'] });
    const site = await core.sites.createSite({
      name: 'Shop',
      tags: ['client-a'],
      objectives: [
        { name: 'Available', type: 'availability', target: 99.5, period: 'month', timezone: 'Europe/Stockholm' },
        { name: 'Quick', type: 'latency', under: '300ms' },
        { name: 'Backed up', type: 'backup', period: 'month', timezone: 'Europe/Stockholm' },
        { name: 'Drilled', type: 'restore-drill', period: 'month', timezone: 'Europe/Stockholm' },
        { name: 'Secure', type: 'security-grade', period: 'month', timezone: 'Europe/Stockholm' },
      ],
    });
    siteId = site.id;
    elsewhereId = (await core.sites.createSite({ name: 'Elsewhere', tags: ['client-b'] })).id;
    monitorId = (await core.sites.createMonitor(site.id, { name: 'Home', type: 'http', url: 'https://shop.test/' })).id;
    backupId = (await core.sites.createMonitor(site.id, { name: 'Backup: nightly', type: 'heartbeat', period: '1d' })).id;
    drillId = (await core.sites.createMonitor(site.id, { name: 'Restore drill: nightly', type: 'heartbeat', period: '30d' })).id;
    const store = new ResultStore(core.storage.db, clock, silentLogger(), { keepRawMs: 60 * DAY, rollupGraceMs: 0 });
    await store.start();
    // A check every 10 minutes from a day before the month to two days after; every 150th down.
    for (let at = from - DAY + 7 * MINUTE, i = 0; at < to + 2 * DAY; at += 10 * MINUTE, i++) {
      store.record({ monitorId, at, status: i % 150 === 0 ? 'down' : 'up', message: 'x', durationMs: 100 + (i % 90) }, undefined, []);
      if (i % 1_000 === 999) await store.flush();
    }
    // A nightly backup at 02:00 UTC, failing on the 13th; one restore drill, in the month before (more than 31 days before its end).
    for (let day = -1; day < 33; day++)
      store.record({ monitorId: backupId, at: from + day * DAY + 2 * 60 * MINUTE, status: day === 12 ? 'down' : 'up', message: 'x' }, undefined, []);
    store.record({ monitorId: drillId, at: from - 5 * DAY, status: 'up', message: 'x' }, undefined, []);
    await store.flush();
    clock.t = to + 3 * DAY;
    await store.rollUp();
    await store.stop();
    const incidents = new IncidentsRepository(core.storage.db);
    const base = { site_id: siteId, severity: 'major', origin: 'manual' as const, summary: 'x', owner: null, acknowledged_at: null, acknowledged_by: null };
    const rest = { resolve_at: null, escalation_policy: null, next_escalation_at: null, next_reminder_at: null, postmortem: null, updated_at: clock.t };
    const checkoutDown = await incidents.insert({
      ...base,
      ...rest,
      postmortem: '# Postmortem\n\nThe payment provider rotated its certificate; we pinned the old one.\n\n## Timeline\n…',
      title: 'Checkout down',
      status: 'resolved',
      opened_at: from + 10 * DAY,
      resolved_at: from + 10 * DAY + 95 * MINUTE,
    });
    // Maintenance: one window in the month (across the DST change, 02:00 to 04:00 local on the 25th: three hours), one outside it.
    const objects = new ConfigObjectsRepository(core.storage.db);
    const window = (name: string, start: string, end: string) => JSON.stringify({ name, sites: ['Shop'], start, end, timezone: 'UTC' });
    await objects.insert('maintenance', 'Server move', window('Server move', '2026-10-25T02:00:00+02:00', '2026-10-25T04:00:00+01:00'), 'api', clock.t);
    await objects.insert('maintenance', 'Old work', window('Old work', '2026-08-01T02:00:00Z', '2026-08-01T03:00:00Z'), 'api', clock.t);
    // Updates: one run applied in the month, one the month before; the newest inventory has one plugin behind and PHP past its end of life.
    const runs = new RunsRepository(core.storage.db);
    const run = { site_id: siteId, phase: 'done', spec: '{}', secrets: null, state: '{}', reason: null };
    await runs.insert({ ...run, status: 'succeeded', created_at: from + 3 * DAY, updated_at: from + 3 * DAY, finished_at: from + 3 * DAY + 20 * MINUTE });
    await runs.insert({ ...run, status: 'rolled_back', created_at: from - 3 * DAY, updated_at: from - 3 * DAY, finished_at: from - 3 * DAY });
    const component = (ecosystem: string, name: string, version: string, latest: string, endOfLife: boolean) => ({
      ecosystem,
      name,
      version,
      latest,
      eol_date: null,
      end_of_life: endOfLife ? 1 : 0,
      vulnerabilities: 0,
      worst_severity: null,
      detail: JSON.stringify({ ecosystem, name, version, latest, endOfLife, vulnerabilities: [], seen: [] }),
    });
    const inventory = { site_id: siteId, source: 'ssh' as const, target: 'deploy@shop.test:/srv', fingerprint: 'x', knowledge_built_at: '2026-10-01' };
    await new InventoriesRepository(core.storage.db).insert({ ...inventory, taken_at: from + 20 * DAY, checked_at: from + 20 * DAY }, [
      component('wordpress-plugin', 'woocommerce', '9.1.0', '9.3.2', false),
      component('runtime:php', 'php', '7.4.33', '7.4.33', true),
    ]);
    // Audits: one before the month (grade C, two findings), one in it (grade B, one fixed, one new).
    const audits = new AuditsRepository(core.storage.db);
    const finding = (id: string, title: string) => ({ id, category: 'security' as const, severity: 'medium' as const, title, evidence: '', fix: '' });
    const audit = async (at: number, grade: string, findings: ReturnType<typeof finding>[]) => {
      const id = await audits.insertAudit({ siteId, url: 'https://shop.test/', categories: ['security'], startedAt: at });
      await audits.finishAudit(id, { status: 'done', finishedAt: at + MINUTE, scores: {}, grades: { security: grade }, facts: {}, errors: {} }, findings, []);
    };
    await audit(from - 10 * DAY, 'C', [finding('security.hsts', 'No HSTS header'), finding('security.csp', 'No Content-Security-Policy')]);
    await audit(from + 15 * DAY, 'B', [
      finding('security.csp', 'No Content-Security-Policy'),
      finding('security.exposed-file:/.git', 'The .git folder is public'),
    ]);
    await incidents.insert({ ...base, ...rest, title: 'Last year', status: 'resolved', opened_at: from - 300 * DAY, resolved_at: from - 299 * DAY });
    // Visitors' reports: four in October (one linked to the incident), two in September, one just after the month, one of another site.
    const report = (at: number, f: { wrong?: number; rating?: number; comment?: string; tags?: string[]; incident?: number; site?: number }) => ({
      site_id: f.site ?? siteId,
      went_wrong: f.wrong ?? null,
      rating: f.rating ?? null,
      comment: f.comment ?? '',
      email: null,
      page_url: null,
      user_agent: null,
      reporter: 'x',
      state: 'new' as const,
      tags: JSON.stringify(f.tags ?? []),
      incident_id: f.incident ?? null,
      created_at: at,
      updated_at: at,
    });
    await withFeedbackTables(core.storage.db)
      .insertInto('feedback')
      .values([
        report(from, { wrong: 1, rating: 2, comment: 'Checkout broke', tags: ['checkout', 'payment'], incident: checkoutDown }),
        report(from + 3 * DAY, { wrong: 0, rating: 5, tags: ['checkout'] }),
        report(from + 9 * DAY, { rating: 4, comment: 'Nice' }),
        report(to - 1, { wrong: 1, comment: 'Slow', tags: ['slow', 'checkout'] }),
        report(from - 1, { rating: 3 }),
        report(from - 20 * DAY, { rating: 2 }),
        report(to, { wrong: 1, rating: 1, tags: ['next-month'] }),
        report(from + DAY, { rating: 1, tags: ['elsewhere'], site: elsewhereId }),
      ])
      .execute();
  }, 120_000);
  afterAll(async () => {
    await core?.close();
    await db?.cleanup();
  });

  it('gives the same figures as the raw results, for the team’s sites only', async () => {
    const { html } = await makeReport(core, { team: 'Client A', month: '2026-10', timezone: 'Europe/Stockholm' });
    // Every raw result, as stored: rows not yet packed and the monitor-hour blocks they were packed into.
    const repo = new ResultsRepository(core.storage.db);
    const rows = await repo.resultsBetween(from, to, monitorId);
    const failed = rows.filter((r) => r.status === 2).length;
    const uptime = `${((100 * (rows.length - failed)) / rows.length).toFixed(3)} %`;
    // 31 days and an hour of a check every 10 minutes.
    expect(rows.length).toBe(31 * 144 + 6);
    const text = textOf(html);
    expect(text).toContain('Monthly report: Client A');
    expect(text).toContain('October 2026 (Europe/Stockholm)');
    expect(text).toMatch(new RegExp(`Home ${rows.length.toLocaleString('en-GB')} ${uptime} \\d+ ms \\d+ ms`));
    // 30 failures among 4,470 checks: 99.329 %, below 99.5 %, the budget overspent by a third.
    const left = `${((1 - failed / ((1 - 99.5 / 100) * rows.length)) * 100).toFixed(1)} %`;
    expect(failed).toBe(30);
    expect(text).toContain(`Available ≥ 99.5 % ${uptime} missed ${left}`);
    expect(text).toMatch(/Quick p95 ≤ 300 ms \d+ ms met –/);
    // Goals from backups and audits: the failed night makes a 48-hour wait; the one drill, 5 days before the month, is 36 days
    // and an hour old at its end (865 h); the month's audit is graded B.
    expect(text).toContain('Backed up a backup at least every 26h longest wait 2d missed –');
    expect(text).toContain('Drilled a restore drill at least every 31d longest wait 865h missed –');
    expect(text).toContain('Secure security grade B or better B met –');
    // Opened at 22:00 UTC: midnight in Stockholm.
    expect(text).toContain('Checkout down major 11 Oct 2026, 00:00 1 h 35 min The payment provider rotated its certificate; we pinned the old one.');
    expect(text).toContain('2 of 5 goals met; 1 incidents lasting 1 h 35 min in total.');
    // The window spans the night the clocks go back: 02:00 CEST to 04:00 CET is three hours.
    expect(text).toContain('Server move 25 Oct 2026, 02:00 25 Oct 2026, 04:00 3 h 0 min');
    expect(text).not.toContain('Old work');
    expect(text).toContain('When Outcome 4 Oct 2026, 00:20 applied');
    expect(text).not.toContain('rolled back');
    expect(text).toContain('woocommerce 9.1.0 9.3.2');
    // Backups as the heartbeat results say: runs in the month, failures, the last success.
    const backups = await repo.resultsBetween(from, to, backupId);
    const good = backups.filter((r) => r.status !== 2);
    const last = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Stockholm', dateStyle: 'medium', timeStyle: 'short' }).format(
      Math.max(...good.map((r) => r.at)),
    );
    expect([good.length, backups.length - good.length, last]).toEqual([30, 1, '31 Oct 2026, 01:00']);
    expect(text).toContain(`nightly ${good.length} ${backups.length - good.length} ${last}`);
    expect(text).toContain('restore drill of nightly 0 0 never');
    expect(text).toContain('security C B');
    expect(text).toContain('Findings fixed: No HSTS header');
    expect(text).toContain('New findings: The .git folder is public');
    for (const action of [
      'Upgrade php 7.4.33: it is past its end of life.',
      // September's one day of checks missed 99.5 % too (1 failure among 144).
      'Goal "Available" was missed two months in a row',
      'No restore drill succeeded in the last 31 days',
      'Give the site an owner.',
      'Fix the 1 new audit findings.',
    ])
      expect(text).toContain(action);
    expect(text).not.toContain('Last year');
    expect(text).not.toContain('Elsewhere');
    expect(text).toContain('Owner: no owner');
  });

  it('sums up the month’s user feedback as the raw reports say, with the rating’s trend against September', async () => {
    const { html } = await makeReport(core, { site: 'Shop', month: '2026-10', timezone: 'Europe/Stockholm' });
    const rowsIn = async (a: number, b: number) =>
      withFeedbackTables(core.storage.db)
        .selectFrom('feedback')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('created_at', '>=', a)
        .where('created_at', '<', b)
        .execute();
    const october = await rowsIn(from, to);
    const september = await rowsIn(monthOf('2026-09', 'Europe/Stockholm').from, from);
    const mean = (rows: typeof october) => {
      const rated = rows.filter((r) => r.rating !== null).map((r) => Number(r.rating));
      return rated.reduce((a, b) => a + b, 0) / rated.length;
    };
    expect(october).toHaveLength(4);
    expect(september).toHaveLength(2);
    const change = mean(october) - mean(september);
    const text = textOf(html);
    expect(text).toContain(
      [
        'User feedback',
        `Reports ${october.length}`,
        `Something went wrong ${october.filter((r) => Number(r.went_wrong) === 1).length}`,
        `With a rating ${october.filter((r) => r.rating !== null).length}`,
        `With a comment ${october.filter((r) => r.comment !== '').length}`,
        `Average rating ${mean(october).toFixed(2)} of 5`,
        `Trend +${change.toFixed(2)} since the month before (${mean(september).toFixed(2)})`,
        'Top tags checkout (3), payment (1), slow (1)',
        `Linked to incidents ${october.filter((r) => r.incident_id !== null).length}`,
      ].join(' '),
    );
    expect(text).toContain('Average rating 3.67 of 5 Trend +1.17 since the month before (2.50)');
    expect(text).not.toContain('next-month');
    expect(text).not.toContain('elsewhere');
  });

  it('speaks Swedish and German, with their numbers and dates, and carries the agency’s brand', async () => {
    const rows = await new ResultsRepository(core.storage.db).resultsBetween(from, to, monitorId);
    const failed = rows.filter((r) => r.status === 2).length;
    const uptime = (100 * (rows.length - failed)) / rows.length;
    const fmt = (locale: string, v: number, d: number) => new Intl.NumberFormat(locale, { minimumFractionDigits: d, maximumFractionDigits: d }).format(v);
    const brand = { agency: 'Acme Web', accent: '#1d4ed8' };
    const sv = textOf((await makeReport(core, { site: 'Shop', month: '2026-10', timezone: 'Europe/Stockholm', language: 'sv', brand })).html);
    expect(sv).toContain('Månadsrapport: Shop');
    expect(sv).toContain('oktober 2026');
    expect(sv).toContain('2 av 5 mål uppnådda; 1 incidenter som varade 1 h 35 min sammanlagt.');
    expect(sv).toContain(`Home ${fmt('sv-SE', rows.length, 0)} ${fmt('sv-SE', uptime, 3)} %`.replace(/\s+/g, ' '));
    expect(sv).toContain('Framtagen av Acme Web');
    const de = textOf((await makeReport(core, { site: 'Shop', month: '2026-10', timezone: 'Europe/Stockholm', language: 'de' })).html);
    expect(de).toContain('Monatsbericht: Shop');
    expect(de).toContain('2 von 5 Zielen erreicht; 1 Störungen mit insgesamt 1 h 35 min Dauer.');
    expect(de).toContain(`Home 4.470 ${fmt('de-DE', uptime, 3)} %`);
    expect(de).toContain('11.10.2026, 00:00');
  });

  it('is made by `upkeep report`, which names what is wrong with its input', { timeout: 300_000 }, async () => {
    const env = db.url ? { UPKEEP_DATABASE_URL: db.url } : {};
    // Four runs at once: each starts a process of its own.
    const [ok, month, neither, team, language] = await Promise.all([
      runCli(['report', '--site', 'Shop', '--month', '2026-10', '--timezone', 'Europe/Stockholm', '-d', db.dataDir], { env }),
      runCli(['report', '--site', 'Shop', '--month', '2026-13', '-d', db.dataDir], { env }),
      runCli(['report', '--month', '2026-10', '-d', db.dataDir], { env }),
      runCli(['report', '--team', 'Nobody', '--month', '2026-10', '-d', db.dataDir], { env }),
      runCli(['report', '--site', 'Shop', '--month', '2026-10', '--language', 'fi', '-d', db.dataDir], { env }),
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(textOf(ok.stdout)).toContain('Home 4,470 99.329 %');
    expect(month.code).toBe(2);
    expect(month.stderr).toContain('expected a month like "2026-11", got "2026-13"');
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('a report is of a team or of a site: give one of them');
    expect(team.stderr).toContain('no team is named "Nobody"');
    expect(language.code).toBe(2);
    expect(language.stderr).toContain('--language: expected one of en, sv, de, got "fi"');
  });

  it.skipIf(chromiumSkipReason ?? pdftotextMissing ?? (dialect === 'postgres' ? 'printed once, on SQLite' : undefined))(
    'prints a PDF whose text (pdftotext) has the same numbers as the HTML',
    { timeout: 120_000 },
    async () => {
      const { html, pdf } = await makeReport(core, { site: 'Shop', month: '2026-10', timezone: 'Europe/Stockholm' }, { chromium: CHROMIUM, user: 'nobody' });
      const dir = tempDir();
      try {
        const file = join(dir.path, 'report.pdf');
        writeFileSync(file, pdf!);
        expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
        const extracted = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
        expect(numbersOf(extracted)).toEqual(numbersOf(textOf(html)));
        // Laid out in columns (-layout), a cell's words may wrap across lines: the numbers above are the check; these say the sections are there.
        for (const words of ['Checkout', 'Server move', 'woocommerce', 'restore drill of nightly', 'Upgrade php 7.4.33']) expect(extracted).toContain(words);
      } finally {
        dir.cleanup();
      }
    },
  );
  it.skipIf(chromiumSkipReason ?? (dialect === 'postgres' ? 'checked once, on SQLite' : undefined))(
    'passes axe-core in Chromium with no serious or critical issue, branded and in every language',
    { timeout: 120_000 },
    async () => {
      const browser = await launchChromium();
      try {
        for (const language of ['en', 'sv', 'de'] as const) {
          const { html } = await makeReport(core, {
            site: 'Shop',
            month: '2026-10',
            timezone: 'Europe/Stockholm',
            language,
            brand: { agency: 'Acme Web', accent: '#1d4ed8', logo: LOGO },
          });
          const page = await browser.newPage();
          await page.setContent(html);
          const violations = await axe(page);
          expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
          await page.close();
        }
      } finally {
        await browser.close();
      }
    },
  );
});
