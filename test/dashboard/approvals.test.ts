import { describe, expect, it } from 'vitest';
import { InventoryService } from '../../src/updates/inventory.service.js';
import type { Assessed } from '../../src/updates/match.js';
import { axe, chromiumSkipReason } from '../support/browser.js';
import { changeFromPage, useAgency } from './agency.js';

/** An outdated plugin on Shop: a patch its policy lets through. */
const outdated = [
  {
    name: 'akismet',
    ecosystem: 'wordpress-plugin',
    version: '5.3',
    latest: '5.3.1',
    seen: [{ source: 'test', at: 'x' }],
    vulnerabilities: [],
    endOfLife: false,
  },
] as unknown as Assessed[];

/**
 * The approvals queue in Debian's Chromium: Shop's policy wants the owner's approval and runs updates
 * only in a window a month from now, so an approved plan waits for it. A plan is rejected with a
 * reason typed on the page (no browser dialog), the next one approved and shown as waiting for its
 * window; a client's viewer sees the queue of its sites and cannot decide.
 */
describe.skipIf(chromiumSkipReason)('update approvals in the dashboard', () => {
  const hour = 3_600_000;
  const opens = new Date(Math.ceil(Date.now() / hour) * hour + 30 * 24 * hour).toISOString();
  const closes = new Date(Date.parse(opens) + 2 * hour).toISOString();
  const agency = useAgency(
    (yaml) =>
      yaml.replace('maintenance:\n', `maintenance:\n  - { name: Next month, start: '${opens}', end: '${closes}', sites: [Shop] }\n`) +
      `updates:
  sites:
    - site: Shop
      ssh: { host: 127.0.0.1, port: 9, username: deploy, password: "not-for-answers", root: /srv/shop }
      pages: [{ url: "http://127.0.0.1:9/" }]
      rollback: { kind: command, command: "true" }
      inventory: "off"
  policies:
    - { name: careful, sites: [Shop], updates: [patch], approve: { people: [owner@agency.test] }, when: Next month }
`,
  );
  const plan = async () => {
    const asked = await agency().api<{ id: number; status: string }>('POST', `/sites/${agency().site.Shop}/updates/runs`, {});
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body.status).toBe('pending');
    return asked.body.id;
  };
  const approval = async (id: number) =>
    (await agency().api<{ status: string; reason: string | null; waitsFor: unknown }>('GET', `/update-approvals/${id}`)).body;

  it('rejects with a reason typed on the page, approves the next plan, which then waits for its window', { timeout: 90_000 }, async () => {
    await new InventoryService(agency().core.storage.db, agency().core.clock).record(
      agency().site.Shop,
      'ssh',
      'deploy@127.0.0.1:/srv/shop',
      outdated,
      '2026-12-06',
    );
    const first = await plan();
    const page = await agency().login('owner', { bypassCSP: true });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${agency().url}/updates/approvals`);
    const item = page.locator(`[data-approval="${first}"]`);
    await item.getByText('Asked by').waitFor();
    expect(await item.getByRole('heading').textContent()).toBe('Shop');
    expect(await item.locator('ol').textContent()).toContain('akismet');
    expect((await axe(page, 'main')).filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    await item.getByLabel('Reason to reject (optional)').fill('Not before the sale ends');
    await item.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(async () => (await approval(first)).status).toBe('rejected');
    expect((await approval(first)).reason).toBe('Not before the sale ends');
    await page.getByText('Nothing waits for approval.').waitFor();

    const second = await plan();
    await page.reload();
    await page.locator(`[data-approval="${second}"]`).getByRole('button', { name: 'Approve' }).click();
    await expect.poll(async () => (await approval(second)).status).toBe('waiting');
    const waiting = page.locator(`[data-waiting="${second}"]`);
    await waiting.waitFor();
    expect(await waiting.textContent()).toContain('waits for window Next month, next at');
    expect((await approval(second)).waitsFor).toEqual({ window: 'Next month', next: opens });
    expect(dialogs).toEqual([]);
    // The site's Updates section says how old the knowledge its inventory is matched with is.
    await page.goto(`${agency().url}/sites/${agency().site.Shop}`);
    await page
      .getByRole('region', { name: 'Updates' })
      .getByText(/knowledge of .+ \(\d+ days old\)/)
      .waitFor();
    await page.close();
  });

  it('shows a client viewer the queue of its sites, and the server refuses its decision', { timeout: 90_000 }, async () => {
    const id = await plan();
    const page = await agency().login('viewerA');
    await page.goto(`${agency().url}/updates/approvals`);
    await page.locator(`[data-approval="${id}"]`).getByText('Asked by').waitFor();
    expect(await changeFromPage(page, 'POST', `/api/v1/update-approvals/${id}/approve`)).toBe(403);
    expect((await approval(id)).status).toBe('pending');
    await page.close();
  });
});
