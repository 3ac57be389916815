import { describe, expect, it } from 'vitest';
import { withRoutineTables } from '../../src/routines/tables.js';
import { axe, chromiumSkipReason } from '../support/browser.js';
import { changeFromPage, useAgency } from './agency.js';

interface RoutineOut {
  id: number;
  name: string;
  template?: string;
  items?: string[];
  rrule: string;
  timezone: string;
  assignee?: string;
  channels?: string[];
  dueAt: string;
}

/** The wall clock of an instant in a time zone: weekday and HH:MM. */
const wallClock = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));

/**
 * Routines and runbooks through the dashboard in Debian's Chromium, against a real server: made from
 * the starter template with a schedule picked from presets in a time zone, done with ticks, notes and
 * evidence, overdue shown; runbooks written with a server-rendered preview, versioned, old versions
 * readable. Viewers see no edit controls and the server refuses them anyway; another client's team
 * does not reach the site.
 */
describe.skipIf(chromiumSkipReason)('routines and runbooks in the dashboard', () => {
  const agency = useAgency();

  it('makes a routine from the starter template with a weekly schedule in Stockholm, and a blank one from its own items', { timeout: 90_000 }, async () => {
    const page = await agency().login('owner');
    await page.goto(`${agency().url}/sites/${agency().site.Shop}`);
    await page.getByRole('navigation', { name: 'Site sections' }).getByRole('link', { name: 'Routines' }).click();
    await page.getByRole('heading', { name: 'Routines', level: 1 }).waitFor();
    await page.getByText('No routines yet').waitFor();

    await page.getByRole('button', { name: 'New routine' }).click();
    const form = page.getByRole('form', { name: 'New routine' });
    await form.getByLabel('Start from').selectOption({ label: 'Site care (starter)' });
    expect(await form.getByLabel('Title').inputValue()).toBe('Site care (starter)');
    const checklist = (await form.getByLabel('Checklist (one item per line)').inputValue()).split('\n');
    expect(checklist).toHaveLength(7);
    expect(checklist[1]).toBe('Backups verified by a restore drill');
    await form.getByLabel('Title').fill('Weekly care');
    await form.getByLabel('Repeats').selectOption('weekly');
    await form.getByLabel('Day of the week').selectOption({ label: 'Wednesday' });
    await form.getByLabel('Time', { exact: true }).fill('07:30');
    await form.getByLabel('Time zone').selectOption('Europe/Stockholm');
    expect(await form.locator('[data-rrule]').textContent()).toBe('FREQ=WEEKLY;BYDAY=WE;BYHOUR=7;BYMINUTE=30');
    await form.getByLabel('Assignee (an account’s email)').fill('owner@agency.test');
    await form.getByLabel('ops-hook').check();
    await form.getByRole('button', { name: 'Add routine' }).click();
    await page.locator('[data-routine="Weekly care"]').waitFor();

    const stored = (await agency().api<{ data: RoutineOut[] }>('GET', `/sites/${agency().site.Shop}/routines`)).body.data;
    expect(stored).toEqual([
      expect.objectContaining({
        name: 'Weekly care',
        template: 'starter',
        rrule: 'FREQ=WEEKLY;BYDAY=WE;BYHOUR=7;BYMINUTE=30',
        timezone: 'Europe/Stockholm',
        assignee: 'owner@agency.test',
        channels: ['ops-hook'],
      }),
    ]);
    // The template's items unchanged are kept as the template (the routine follows it), not copied.
    expect(stored[0]!.items).toBeUndefined();
    expect(wallClock(stored[0]!.dueAt, 'Europe/Stockholm')).toBe('Wednesday 07:30');

    // A blank one: its own items; monthly on the 15th; a bad custom rule and an unknown assignee are refused on their fields.
    await page.getByRole('button', { name: 'New routine' }).click();
    await form.getByLabel('Title').fill('Monthly restore drill');
    await form.getByLabel('Checklist (one item per line)').fill('Restore last night’s backup to staging\n\nCompare order counts\n');
    await form.getByLabel('Repeats').selectOption('custom');
    await form.getByLabel('RRULE').fill('FREQ=SOMETIMES');
    await form.getByLabel('Assignee (an account’s email)').fill('nobody@elsewhere.test');
    await form.getByRole('button', { name: 'Add routine' }).click();
    await expect.poll(() => form.locator('.field.invalid').count()).toBeGreaterThan(0);
    const invalid = await form.locator('.field.invalid label').allTextContents();
    expect(invalid.some((l) => l === 'RRULE' || l.startsWith('Assignee'))).toBe(true);
    await form.getByLabel('Assignee (an account’s email)').fill('');
    await form.getByLabel('Repeats').selectOption('monthly');
    await form.getByLabel('Day of the month').fill('15');
    await form.getByLabel('Time', { exact: true }).fill('10:00');
    await form.getByRole('button', { name: 'Add routine' }).click();
    await page.locator('[data-routine="Monthly restore drill"]').waitFor();
    const drill = (await agency().api<{ data: RoutineOut[] }>('GET', `/sites/${agency().site.Shop}/routines`)).body.data.find(
      (r) => r.name === 'Monthly restore drill',
    )!;
    expect(drill).toMatchObject({
      items: ['Restore last night’s backup to staging', 'Compare order counts'],
      rrule: 'FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=10;BYMINUTE=0',
    });
    expect(drill.template).toBeUndefined();

    // Editing reads the stored rule back into its preset.
    const row = page.locator('[data-routine="Monthly restore drill"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit routine Monthly restore drill' });
    expect(await edit.getByLabel('Repeats').inputValue()).toBe('monthly');
    expect(await edit.getByLabel('Day of the month').inputValue()).toBe('15');
    await edit.getByLabel('Repeats').selectOption('quarterly');
    await edit.getByRole('button', { name: 'Save routine' }).click();
    await edit.waitFor({ state: 'detached' });
    expect((await agency().api<RoutineOut>('GET', `/routines/${drill.id}`)).body.rrule).toBe('FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=15;BYHOUR=10;BYMINUTE=0');
    await page.close();
  });

  it('a routine of upkeep.yaml is marked, and its edit is offered as YAML for the file instead of saved', { timeout: 60_000 }, async () => {
    const page = await agency().login('owner');
    await page.goto(`${agency().url}/sites/${agency().site.Blog}/routines`);
    const row = page.locator('[data-routine="Yearly review"]');
    expect(await row.locator('.badge-file').textContent()).toBe('upkeep.yaml');
    expect(await row.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit routine Yearly review' });
    expect(await edit.getByLabel('Repeats').inputValue()).toBe('yearly');
    expect(await edit.getByLabel('Month', { exact: true }).inputValue()).toBe('1');
    await edit.getByLabel('Day of the month').fill('20');
    let changes = 0;
    page.on('request', (r) => r.method() !== 'GET' && changes++);
    await edit.getByRole('button', { name: 'Show the YAML' }).click();
    await expect.poll(() => edit.locator('.yaml-offer pre').textContent()).toMatch(/^routines:/);
    const yaml = (await edit.locator('.yaml-offer pre').textContent())!;
    expect(yaml).toContain('site: Blog');
    expect(yaml).toContain('template: starter');
    expect(yaml).toContain('FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=20;BYHOUR=9;BYMINUTE=0');
    expect(changes).toBe(0);
    await page.close();
  });

  it(
    'completes a routine with ticks, notes and evidence; its history shows them; an overdue one stands out on the page, the site and the overview',
    { timeout: 90_000 },
    async () => {
      const page = await agency().login('owner');
      await page.goto(`${agency().url}/sites/${agency().site.Shop}/routines`);
      const row = page.locator('[data-routine="Weekly care"]');
      await row.getByRole('button', { name: 'Complete' }).click();
      const done = page.getByRole('form', { name: 'Complete Weekly care' });
      await done.getByLabel('Backups verified by a restore drill').check();
      await done.getByLabel('Contacts confirmed (owner, client contacts, hosting, registrar)').check();
      await expect.poll(() => done.getByText('2 of 7 done').count()).toBe(1);
      await done.getByLabel('Notes').fill('Restore took 4 minutes.');
      await done.getByLabel('Evidence links (one per line)').fill('https://ci.example/restore/881\n');
      await done.getByRole('button', { name: 'Record as done' }).click();
      await done.waitFor({ state: 'detached' });

      await row.getByRole('button', { name: 'History' }).click();
      const history = row.getByRole('list', { name: 'History' });
      await history.waitFor();
      expect(await history.textContent()).toContain('2/7 items');
      expect(await history.textContent()).toContain('Restore took 4 minutes.');
      expect(await history.getByRole('link', { name: 'https://ci.example/restore/881' }).getAttribute('href')).toBe('https://ci.example/restore/881');
      const routineId = (await agency().api<{ data: RoutineOut[] }>('GET', `/sites/${agency().site.Shop}/routines`)).body.data.find(
        (r) => r.name === 'Weekly care',
      )!.id;
      const runs = (await agency().api<{ data: { checklist: { done: boolean }[]; completedBy: string }[] }>('GET', `/routines/${routineId}/history`)).body.data;
      expect(runs[0]!.checklist.map((c) => c.done)).toEqual([false, true, false, false, false, true, false]);
      expect(runs[0]!.completedBy).toContain('owner@agency.test');

      // Its due time passes (the clock is real: the stored due time is moved back a day).
      await withRoutineTables(agency().core.storage.db)
        .updateTable('routines')
        .set({ due_at: Date.now() - 86_400_000 })
        .where('id', '=', routineId)
        .execute();
      await page.reload();
      await expect.poll(() => row.locator('.overdue').textContent()).toMatch(/^Overdue since /);
      await page.goto(`${agency().url}/sites/${agency().site.Shop}`);
      await expect.poll(() => page.locator('[data-routine="Weekly care"] .overdue').textContent()).toMatch(/^overdue since /);
      await page.goto(agency().url);
      await expect.poll(() => page.locator('.overdue-routines').textContent()).toBe('1 overdue routine');
      await page.close();
    },
  );

  it('writes a runbook for a monitor with a server-rendered preview, keeps versions, and shows an old one', { timeout: 90_000 }, async () => {
    const page = await agency().login('owner');
    await page.goto(`${agency().url}/sites/${agency().site.Shop}/runbooks`);
    await page.getByRole('button', { name: 'New runbook' }).click();
    const form = page.getByRole('form', { name: 'New runbook' });
    await form.getByLabel('Title').fill('Shop is down');
    await form.getByLabel('For').selectOption({ label: 'monitor Home' });
    await form
      .getByLabel('Runbook (Markdown)')
      .fill(
        '## First\n\n1. Check the **host** panel\n2. Call [Hetzner](https://hetzner.example/support)\n\n<script>window.hacked = 1</script>[bad](javascript:alert(1))',
      );
    await form.getByRole('button', { name: 'Preview' }).click();
    const preview = form.getByRole('region', { name: 'Preview' });
    await preview.getByRole('listitem').first().waitFor();
    expect(await preview.locator('strong').textContent()).toBe('host');
    expect(await preview.getByRole('link', { name: 'Hetzner' }).getAttribute('href')).toBe('https://hetzner.example/support');
    expect(await preview.locator('script').count()).toBe(0);
    expect(await preview.locator('a[href^="javascript"]').count()).toBe(0);
    expect(await page.evaluate('window.hacked')).toBeUndefined();
    await form.getByRole('button', { name: 'Write' }).click();
    await form.getByRole('button', { name: 'Add runbook' }).click();
    const card = page.locator('[data-runbook="Shop is down"]');
    await card.waitFor();
    expect(await card.textContent()).toContain('For monitor Home');
    expect(await card.locator('h4').textContent()).toBe('First');

    await card.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit runbook Shop is down' });
    await edit.getByLabel('Runbook (Markdown)').fill('## Second\n\nRestart the app server.');
    await edit.getByRole('button', { name: 'Save new version' }).click();
    await expect.poll(() => card.locator('h2').textContent()).toContain('v2');
    expect(await card.locator('.runbook-body').first().textContent()).toContain('Restart the app server.');

    await card.getByRole('button', { name: 'Versions' }).click();
    await card.locator('[data-version="1"]').waitFor();
    expect(await card.locator('[data-version]').count()).toBe(2);
    await card.getByRole('button', { name: 'View v1' }).click();
    const old = card.getByRole('article', { name: 'Version 1' });
    expect(await old.locator('h4').textContent()).toBe('First');
    expect(await old.locator('script').count()).toBe(0);

    // The monitor's page shows its runbook where its status is.
    const monitorId = (await agency().api<{ data: { monitorId: number | null }[] }>('GET', `/sites/${agency().site.Shop}/runbooks`)).body.data[0]!.monitorId!;
    await page.goto(`${agency().url}/monitors/${monitorId}`);
    const runbooks = page.getByRole('region', { name: 'Runbooks' });
    await runbooks.getByText('Shop is down').click();
    expect(await runbooks.locator('.runbook-body').textContent()).toContain('Restart the app server.');
    await page.close();
  });

  it('a viewer reads routines and runbooks with no edit controls, and the server refuses their changes', { timeout: 60_000 }, async () => {
    const page = await agency().login('viewer');
    await page.goto(`${agency().url}/sites/${agency().site.Shop}/routines`);
    const row = page.locator('[data-routine="Weekly care"]');
    await row.waitFor();
    await row.getByRole('button', { name: 'History' }).click();
    await row.getByRole('list', { name: 'History' }).waitFor();
    for (const name of ['New routine', 'Complete', 'Edit', 'Delete']) expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    const id = (await agency().api<{ data: RoutineOut[] }>('GET', `/sites/${agency().site.Shop}/routines`)).body.data[0]!.id;
    expect(await changeFromPage(page, 'POST', `/routines/${id}/complete`, { notes: 'sneaky' })).toBe(403);

    await page.goto(`${agency().url}/sites/${agency().site.Shop}/runbooks`);
    await page.locator('[data-runbook="Shop is down"]').waitFor();
    for (const name of ['New runbook', 'Edit', 'Delete']) expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    expect(await changeFromPage(page, 'POST', '/runbooks/preview', { body: '# x' })).toBe(403);
    await page.close();
  });

  it(
    'the new pages and forms pass axe-core (labels, names, contrast; the page’s main part) and the routine form is reachable by keyboard',
    { timeout: 90_000 },
    async () => {
      const page = await agency().login('owner', { bypassCSP: true });
      const serious = async () => (await axe(page, 'main')).filter((v) => v.impact === 'serious' || v.impact === 'critical');
      await page.goto(`${agency().url}/sites/${agency().site.Shop}/routines`);
      await page.locator('[data-routine="Weekly care"]').waitFor();
      // From the page's button to the form's first field with the keyboard only.
      await page.getByRole('button', { name: 'New routine' }).focus();
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      const focusedLabel = "document.querySelector('label[for=\"' + CSS.escape(document.activeElement.id) + '\"]')?.textContent";
      expect(await page.evaluate(focusedLabel)).toBe('Start from');
      await page.locator('[data-routine="Weekly care"]').getByRole('button', { name: 'Complete' }).click();
      expect(await serious()).toEqual([]);
      await page.goto(`${agency().url}/sites/${agency().site.Shop}/runbooks`);
      await page.getByRole('button', { name: 'New runbook' }).click();
      expect(await serious()).toEqual([]);
      await page.close();
    },
  );

  it('an editor of another client’s team does not reach the site’s routines or runbooks', { timeout: 60_000 }, async () => {
    const page = await agency().login('editorB');
    await page.goto(`${agency().url}/sites/${agency().site.Shop}/routines`);
    await page.getByRole('alert').waitFor();
    expect(await page.locator('[data-routine]').count()).toBe(0);
    await page.goto(`${agency().url}/sites/${agency().site.Shop}/runbooks`);
    await page.getByRole('alert').waitFor();
    expect(await page.locator('[data-runbook]').count()).toBe(0);
    const id = (await agency().api<{ data: RoutineOut[] }>('GET', `/sites/${agency().site.Shop}/routines`)).body.data[0]!.id;
    expect([403, 404]).toContain(await changeFromPage(page, 'POST', `/routines/${id}/complete`, {}));
    // Their own site works as for anyone who may edit it.
    await page.goto(`${agency().url}/sites/${agency().site.Other}/routines`);
    await page.getByRole('button', { name: 'New routine' }).waitFor();
    await page.close();
  });
});
