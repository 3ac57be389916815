import { describe, expect, it } from 'vitest';
import { withFeedbackTables } from '../../src/feedback/tables.js';
import { withPrivacyTables } from '../../src/privacy-records/tables.js';
import { axe, chromiumSkipReason } from '../support/browser.js';
import { changeFromPage, useAgency } from './agency.js';

const LOCATION = 'vault://kv/shop/hosting-panel';

/**
 * The site's papers through the dashboard in Debian's Chromium, against a real server: the register
 * (credential locations sealed: shown as ********, never sent back, kept when left so), GDPR records
 * (processors with country and DPA, tasks, the review, the Art. 30 export), planned work linked to a
 * maintenance window, and the feedback inbox's triage. Viewers and other clients' teams are held off.
 */
describe.skipIf(chromiumSkipReason)('register, GDPR records, planned work and feedback in the dashboard', () => {
  const agency = useAgency();

  it('edits the register: vendors, people, a dependency, a sealed credential location that is kept when left as ********', { timeout: 90_000 }, async () => {
    const page = await agency().login('owner');
    const answers: string[] = [];
    page.on(
      'response',
      (r) =>
        r.url().includes('/register') &&
        void r.text().then(
          (t) => answers.push(t),
          () => undefined,
        ),
    );
    await page.goto(`${agency().url}/sites/${agency().site.Shop}/register`);
    const form = page.getByRole('form', { name: 'Site register' });
    await form.getByRole('button', { name: 'Add vendor' }).click();
    await form.getByLabel('Vendor 1 role').selectOption('hosting');
    await form.getByLabel('Vendor 1 name').fill('Hetzner');
    await form.getByLabel('Vendor 1 support email').fill('support@hetzner.example');
    await form.getByLabel('Vendor 1 support phone').fill('+49 1');
    await form.getByLabel('Vendor 1 contract ends').fill('2027-12-31');
    await form.getByRole('button', { name: 'Add person' }).click();
    await form.getByLabel('Person 1 role').selectOption('owner');
    await form.getByLabel('Person 1 name').fill('Ann Owner');
    await form.getByLabel('Blog', { exact: true }).check();
    await form.getByRole('button', { name: 'Add credential' }).click();
    await form.getByLabel('Credential 1 label').fill('Hosting panel');
    await form.getByLabel('Credential 1 location').fill(LOCATION);
    await form.getByRole('button', { name: 'Save register' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    // The form is made afresh from the server's answer: the location comes back sealed.
    await expect.poll(() => form.getByLabel('Credential 1 location').inputValue()).toBe('********');
    expect(await form.getByLabel('Vendor 1 name').inputValue()).toBe('Hetzner');

    const stored = (
      await agency().api<{ vendors: unknown[]; people: unknown[]; dependsOn: unknown[]; credentials: unknown[] }>(
        'GET',
        `/sites/${agency().site.Shop}/register`,
      )
    ).body;
    expect(stored).toMatchObject({
      vendors: [{ role: 'hosting', name: 'Hetzner', support: { email: 'support@hetzner.example', phone: '+49 1' }, contractEnds: '2027-12-31' }],
      people: [{ role: 'owner', name: 'Ann Owner' }],
      dependsOn: [{ id: agency().site.Blog, name: 'Blog' }],
      credentials: [{ label: 'Hosting panel', location: '********' }],
    });
    // Empty optional fields were left out, not sent as "" (which is no email or URL).
    expect(stored.vendors[0]).not.toHaveProperty('renewsOn');

    // Saving again with ******** keeps the sealed location (the server refuses ******** under a label it has no location for).
    await form.getByLabel('Vendor 1 name').fill('Hetzner Online');
    const typedInto = await form.getByLabel('Vendor 1 name').elementHandle();
    await form.getByRole('button', { name: 'Save register' }).click();
    // The form is made afresh from the save's answer: what is typed before that goes into the old one.
    await expect.poll(() => typedInto.evaluate((el) => el.isConnected), { timeout: 30_000 }).toBe(false);
    await expect
      .poll(async () => (await agency().api<{ vendors: { name: string }[] }>('GET', `/sites/${agency().site.Shop}/register`)).body.vendors[0]!.name)
      .toBe('Hetzner Online');
    await form.getByLabel('Credential 1 label').fill('Panel');
    await form.getByRole('button', { name: 'Save register' }).click();
    await expect.poll(() => form.locator('.field.invalid').textContent()).toContain('no stored location for "Panel"');
    expect(await form.locator('.field.invalid label').textContent()).toBe('Credential 1 location');
    const sealed = await agency()
      .core.storage.db.selectFrom('site_registers' as 'sites')
      .selectAll()
      .execute();
    expect(JSON.stringify(sealed)).toContain('"secrets"');
    expect(JSON.stringify(sealed)).not.toContain('vault://');
    // Nothing the browser received after the first save carries the location.
    expect(answers.filter((t) => t.includes('vault://'))).toEqual([]);
    expect(await page.content()).not.toContain(LOCATION);
    await page.close();
  });

  it('a client-team viewer reads the register without controls; another client’s editor does not reach it', { timeout: 60_000 }, async () => {
    const viewer = await agency().login('viewerA');
    await viewer.goto(`${agency().url}/sites/${agency().site.Shop}/register`);
    await viewer.getByText('Hetzner Online').waitFor();
    expect(await viewer.getByRole('form', { name: 'Site register' }).count()).toBe(0);
    expect(await viewer.locator('main input, main select, main textarea').count()).toBe(0);
    expect(await viewer.content()).not.toContain('vault://');
    expect(await changeFromPage(viewer, 'PUT', `/sites/${agency().site.Shop}/register`, { notes: 'x' })).toBe(403);
    await viewer.close();

    const other = await agency().login('editorB');
    await other.goto(`${agency().url}/sites/${agency().site.Shop}/register`);
    await other.getByRole('alert').waitFor();
    expect(await other.getByText('Hetzner').count()).toBe(0);
    // On their own site the sites they may depend on are theirs only.
    await other.goto(`${agency().url}/sites/${agency().site.Other}/register`);
    await other.getByRole('form', { name: 'Site register' }).getByText('No other sites.').waitFor();
    expect(await other.getByText('Shop').count()).toBe(0);
    await other.close();
  });

  it(
    'edits GDPR records: a processor outside the EU/EEA without a DPA opens a task, done in the UI; a seen third party is added; review; export',
    { timeout: 90_000 },
    async () => {
      const now = Date.now();
      await withPrivacyTables(agency().core.storage.db)
        .insertInto('privacy_observations')
        .values({
          site_id: agency().site.Shop,
          kind: 'third-party',
          name: 'stats.example',
          detail: JSON.stringify({ entity: 'Stats Co', categories: ['analytics'], country: 'US' }),
          first_seen: now,
          last_seen: now,
          audit_id: null,
        })
        .execute();
      const page = await agency().login('owner');
      await page.goto(`${agency().url}/sites/${agency().site.Shop}/privacy`);
      const form = page.getByRole('form', { name: 'GDPR records' });
      await form.getByLabel('Controller name').fill('Shop AB');
      await form.getByRole('button', { name: 'Add purpose' }).click();
      await form.getByLabel('Purpose 1', { exact: true }).fill('Orders');
      await form.getByLabel('Purpose 1 legal basis').selectOption('contract');
      await form.getByLabel('Purpose 1 data categories').fill('name, address');
      await form.getByLabel('Purpose 1 data subjects').fill('customers');
      await form.getByRole('button', { name: 'Add processor' }).click();
      await form.getByLabel('Processor 1 name').fill('Mailer Inc');
      await form.getByLabel('Processor 1 country').fill('us');
      await form.getByLabel('Processor 1 DPA').selectOption('none');
      await form.getByRole('button', { name: 'Add stats.example as a processor' }).click();
      expect(await form.getByLabel('Processor 2 name').inputValue()).toBe('Stats Co');
      expect(await form.getByLabel('Processor 2 country').inputValue()).toBe('US');
      await form.getByLabel('Processor 2 DPA').selectOption('signed');
      await form.getByRole('button', { name: 'Save records' }).click();
      await page.getByRole('status').getByText('Saved.').waitFor();

      const tasks = page.getByRole('region', { name: 'Open tasks' });
      await expect.poll(() => tasks.locator('[data-privacy-task]').count()).toBe(1);
      expect(await tasks.textContent()).toContain('Mailer Inc');
      expect(await page.locator('[data-third-party="stats.example"]').textContent()).toContain('in the records');
      const records = (await agency().api<{ purposes: unknown[]; processors: unknown[] }>('GET', `/sites/${agency().site.Shop}/privacy-records`)).body;
      expect(records.purposes).toEqual([{ name: 'Orders', legalBasis: 'contract', dataCategories: ['name', 'address'], subjects: ['customers'] }]);
      expect(records.processors).toEqual([
        { name: 'Mailer Inc', country: 'US', dpa: 'none' },
        { name: 'Stats Co', country: 'US', dpa: 'signed', domain: 'stats.example' },
      ]);

      await tasks.getByRole('button', { name: 'Mark done' }).click();
      await tasks.getByText('No open tasks.').waitFor();
      await page.getByRole('button', { name: 'Mark reviewed' }).click();
      await page.getByText(/^Last reviewed /).waitFor();

      const link = page.getByRole('link', { name: 'Records of processing (HTML)' });
      expect(await link.getAttribute('href')).toBe(`/api/v1/sites/${agency().site.Shop}/privacy-records/export`);
      const [doc] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
      await doc.waitForLoadState();
      expect(await doc.textContent('body')).toContain('Mailer Inc');
      await doc.close();

      const viewer = await agency().login('viewer');
      await viewer.goto(`${agency().url}/sites/${agency().site.Shop}/privacy`);
      await viewer.getByText('Mailer Inc').waitFor();
      for (const name of ['Save records', 'Mark reviewed', 'Mark done']) expect(await viewer.getByRole('button', { name }).count(), name).toBe(0);
      expect(await viewer.getByRole('link', { name: 'Records of processing (HTML)' }).count()).toBe(1);
      await viewer.close();
      await page.close();
    },
  );

  it('plans work with a target date in a maintenance window, changes it, and flags work past its date', { timeout: 90_000 }, async () => {
    const page = await agency().login('owner');
    await page.goto(`${agency().url}/sites/${agency().site.Shop}/planned-work`);
    await page.getByRole('button', { name: 'Plan work' }).click();
    const form = page.getByRole('form', { name: 'Plan work' });
    await form.getByLabel('Title').fill('PHP 8.4');
    await form.getByLabel('Kind').selectOption('upgrade');
    await form.getByLabel('Target date').fill('2031-01-10');
    await form.getByLabel('Maintenance window').selectOption({ label: 'Sunday night' });
    await form.getByRole('button', { name: 'Add planned work' }).click();
    const row = page.locator('[data-planned="PHP 8.4"]');
    await expect.poll(() => row.textContent()).toContain('in maintenance window Sunday night');

    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit PHP 8.4' });
    expect(await edit.getByLabel('Maintenance window').inputValue()).not.toBe('');
    await edit.getByLabel('State').selectOption('in-progress');
    await edit.getByLabel('Target date').fill('2020-02-01');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row.textContent()).toContain('past its target date');
    const stored = (await agency().api<{ data: unknown[] }>('GET', `/sites/${agency().site.Shop}/planned-work`)).body.data;
    expect(stored).toEqual([
      expect.objectContaining({
        title: 'PHP 8.4',
        state: 'in-progress',
        targetDate: '2020-02-01',
        maintenance: expect.objectContaining({ name: 'Sunday night' }),
      }),
    ]);

    // A client's editor cannot list the instance's windows: the picker is closed to them, and planning still works.
    const other = await agency().login('editorB');
    await other.goto(`${agency().url}/sites/${agency().site.Other}/planned-work`);
    await other.getByRole('button', { name: 'Plan work' }).click();
    const theirs = other.getByRole('form', { name: 'Plan work' });
    expect(await theirs.getByLabel('Maintenance window').isDisabled()).toBe(true);
    await theirs.getByLabel('Title').fill('New theme');
    await theirs.getByLabel('Kind').selectOption('redesign');
    await theirs.getByLabel('Target date').fill('2031-03-01');
    await theirs.getByRole('button', { name: 'Add planned work' }).click();
    await other.locator('[data-planned="New theme"]').waitFor();
    await other.close();
    await page.close();
  });

  it(
    'the register, GDPR records, planned work and feedback pages pass axe-core (the page’s main part) with their forms open',
    { timeout: 90_000 },
    async () => {
      const page = await agency().login('owner', { bypassCSP: true });
      const serious = async () => (await axe(page, 'main')).filter((v) => v.impact === 'serious' || v.impact === 'critical');
      for (const [path, ready] of [
        ['register', 'Save register'],
        ['privacy', 'Save records'],
        ['feedback', 'Make the widget'],
      ] as const) {
        await page.goto(`${agency().url}/sites/${agency().site.Blog}/${path}`);
        await page.getByRole('button', { name: ready }).waitFor();
        for (const add of ['Add vendor', 'Add person', 'Add credential', 'Add purpose', 'Add processor'])
          if (await page.getByRole('button', { name: add }).count()) await page.getByRole('button', { name: add }).click();
        expect(await serious(), path).toEqual([]);
      }
      await page.goto(`${agency().url}/sites/${agency().site.Blog}/planned-work`);
      await page.getByRole('button', { name: 'Plan work' }).click();
      await page.getByRole('form', { name: 'Plan work' }).waitFor();
      expect(await serious()).toEqual([]);
      await page.close();
    },
  );

  it('triages feedback in the inbox: state, tags (which filter), search, a link to one of the site’s incidents and back', { timeout: 90_000 }, async () => {
    const now = Date.now();
    const feedback = withFeedbackTables(agency().core.storage.db);
    for (const [comment, at] of [
      ['Checkout button does nothing', now - 2000],
      ['Love the new photos', now - 1000],
    ] as const)
      await feedback
        .insertInto('feedback')
        .values({
          site_id: agency().site.Shop,
          went_wrong: comment.startsWith('Checkout') ? 1 : 0,
          rating: comment.startsWith('Checkout') ? 1 : 5,
          comment,
          email: null,
          page_url: 'https://shop.example/cart',
          user_agent: null,
          reporter: 'x',
          state: 'new',
          tags: '[]',
          incident_id: null,
          created_at: at,
          updated_at: at,
        })
        .execute();
    const incident = (await agency().api<{ id: number }>('POST', '/incidents', { siteId: agency().site.Shop, title: 'Checkout broken' })).body;
    await agency().api('POST', '/incidents', { siteId: agency().site.Other, title: 'Other client’s outage' });

    const page = await agency().login('owner');
    await page.goto(`${agency().url}/sites/${agency().site.Shop}/feedback`);
    await page.getByRole('button', { name: 'Make the widget' }).waitFor();
    await page.getByLabel('Origins the widget takes reports from (one per line)').fill('https://shop.example');
    await page.getByRole('button', { name: 'Make the widget' }).click();
    await expect.poll(() => page.locator('pre').first().textContent()).toContain('<script src=');

    const report = page.locator('[data-feedback]', { hasText: 'Checkout button does nothing' });
    await report.getByRole('button', { name: 'Mark triaged' }).click();
    await expect.poll(() => report.locator('p strong').first().textContent()).toBe('triaged');
    await report.getByLabel('Tags', { exact: true }).fill('checkout, mobile');
    await report.getByRole('button', { name: 'Save tags' }).click();
    await report.getByRole('button', { name: '#checkout' }).waitFor();

    // Only this site's incidents are offered.
    const options = await report.getByLabel('Incident', { exact: true }).locator('option').allTextContents();
    expect(options.some((o) => o.includes('Checkout broken'))).toBe(true);
    expect(options.some((o) => o.includes('Other client'))).toBe(false);
    await report.getByLabel('Incident', { exact: true }).selectOption({ label: `#${incident.id} Checkout broken (open)` });
    await report.getByRole('button', { name: 'Link to incident' }).click();
    await report.getByRole('link', { name: `incident ${incident.id}` }).waitFor();
    expect(await report.locator('p strong').first().textContent()).toBe('linked');

    await report.getByRole('button', { name: '#checkout' }).click();
    await expect.poll(() => page.locator('[data-feedback]').count()).toBe(1);
    await page.getByRole('button', { name: /^Tag checkout/ }).click();
    await expect.poll(() => page.locator('[data-feedback]').count()).toBe(2);
    await page.getByLabel('Search feedback').fill('photos');
    await expect.poll(() => page.locator('[data-feedback]').count()).toBe(1);
    expect(await page.locator('[data-feedback]').textContent()).toContain('Love the new photos');
    await page.getByLabel('Search feedback').fill('');
    await expect.poll(() => page.locator('[data-feedback]').count()).toBe(2);

    await report.getByRole('button', { name: `Unlink incident ${incident.id}` }).click();
    await expect.poll(() => report.locator('p strong').first().textContent()).toBe('triaged');
    await report.getByRole('button', { name: 'Mark done' }).click();
    await expect.poll(() => report.locator('p strong').first().textContent()).toBe('done');

    const viewer = await agency().login('viewerA');
    await viewer.goto(`${agency().url}/sites/${agency().site.Shop}/feedback`);
    await viewer.locator('[data-feedback]').first().waitFor();
    for (const name of ['Mark triaged', 'Mark done', 'Save tags', 'Link to incident', 'Make the widget', 'Save origins'])
      expect(await viewer.getByRole('button', { name }).count(), name).toBe(0);
    await viewer.close();
    await page.close();
  });
});
