import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { withFeedbackTables } from '../../src/feedback/tables.js';
import { IncidentsRepository } from '../../src/incidents/incidents.repository.js';
import { silentLogger } from '../../src/lib/logger.js';
import { ResultsRepository } from '../../src/monitoring/results.repository.js';
import { ResultStore } from '../../src/monitoring/results.service.js';
import { makeReport } from '../../src/reports/index.js';
import { monthOf } from '../../src/reports/report.service.js';
import { chromiumSkipReason, CHROMIUM } from '../support/browser.js';
import { runCli } from '../support/cli.js';
import { openTestCore } from '../support/core.js';
import { testClock } from '../support/clock.js';
import { createTestDatabase, dialects, tempDir, type TestDatabase } from '../support/databases.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const clock = testClock();
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
      ],
    });
    siteId = site.id;
    elsewhereId = (await core.sites.createSite({ name: 'Elsewhere', tags: ['client-b'] })).id;
    monitorId = (await core.sites.createMonitor(site.id, { name: 'Home', type: 'http', url: 'https://shop.test/' })).id;
    const store = new ResultStore(core.storage.db, clock, silentLogger(), { keepRawMs: 60 * DAY, rollupGraceMs: 0 });
    await store.start();
    // A check every 10 minutes from a day before the month to two days after; every 150th down.
    for (let at = from - DAY + 7 * MINUTE, i = 0; at < to + 2 * DAY; at += 10 * MINUTE, i++) {
      store.record({ monitorId, at, status: i % 150 === 0 ? 'down' : 'up', message: 'x', durationMs: 100 + (i % 90) }, undefined, []);
      if (i % 1_000 === 999) await store.flush();
    }
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
      title: 'Checkout down',
      status: 'resolved',
      opened_at: from + 10 * DAY,
      resolved_at: from + 10 * DAY + 95 * MINUTE,
    });
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
    const rows = await new ResultsRepository(core.storage.db).resultsBetween(from, to, monitorId);
    const failed = rows.filter((r) => r.status === 2).length;
    const uptime = `${((100 * (rows.length - failed)) / rows.length).toFixed(3)} %`;
    // 31 days and an hour of a check every 10 minutes.
    expect(rows.length).toBe(31 * 144 + 6);
    const text = textOf(html);
    expect(text).toContain('Monthly report: Client A');
    expect(text).toContain(`Home ${rows.length} ${uptime}`);
    // 30 failures among 4,470 checks: 99.329 %, below 99.5 %, the budget overspent by a third.
    const left = `${((1 - failed / ((1 - 99.5 / 100) * rows.length)) * 100).toFixed(1)} %`;
    expect(failed).toBe(30);
    expect(text).toContain(`Available availability ≥ 99.5 % ${uptime} missed ${left}`);
    expect(text).toMatch(/Quick p95 ≤ 300 ms \d+ ms met –/);
    expect(text).toContain('Checkout down major 2026-10-10 22:00 1 h 35 min');
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

  it('is made by `upkeep report`, which names what is wrong with its input', { timeout: 300_000 }, async () => {
    const env = db.url ? { UPKEEP_DATABASE_URL: db.url } : {};
    // Four runs at once: each starts a process of its own.
    const [ok, month, neither, team] = await Promise.all([
      runCli(['report', '--site', 'Shop', '--month', '2026-10', '--timezone', 'Europe/Stockholm', '-d', db.dataDir], { env }),
      runCli(['report', '--site', 'Shop', '--month', '2026-13', '-d', db.dataDir], { env }),
      runCli(['report', '--month', '2026-10', '-d', db.dataDir], { env }),
      runCli(['report', '--team', 'Nobody', '--month', '2026-10', '-d', db.dataDir], { env }),
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(textOf(ok.stdout)).toContain('Home 4470 99.329 %');
    expect(month.code).toBe(2);
    expect(month.stderr).toContain('expected a month like "2026-11", got "2026-13"');
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('a report is of a team or of a site: give one of them');
    expect(team.stderr).toContain('no team is named "Nobody"');
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
        expect(extracted).toContain('Checkout down');
      } finally {
        dir.cleanup();
      }
    },
  );
});
