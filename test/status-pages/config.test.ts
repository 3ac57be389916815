import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { parseConfig } from '../../src/config-file.js';
import { AppError } from '../../src/lib/errors.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';

const env = { PAGE_PASSWORD: 'correct horse battery' };
const yaml = `
sites:
  - name: Example shop
    monitors:
      - { name: Home page, type: http, url: "https://shop.example.com/" }
      - { name: Admin, type: http, url: "https://shop.example.com/admin" }
  - name: Blog
statusPages:
  - slug: acme
    title: Acme status
    language: sv
    timezone: Europe/Stockholm
    colors: { brand: "#0a7d3e" }
    domains: [status.acme.test]
    components:
      - name: Web shop
        monitors: ["Example shop/Home page"]
      - name: Blog
        site: Blog
  - slug: internal
    title: Internal
    access:
      password: \${PAGE_PASSWORD}
    components:
      - { name: Admin, monitors: ["Example shop/Admin"] }
messageTemplates:
  - { name: Investigating, status: investigating, body: "We are looking into **reports** of problems." }
`;

describe.each(dialects)('status pages as code ($dialect)', ({ dialect, skip }) => {
  let db: TestDatabase;
  let core: Core;
  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
  });
  afterAll(async () => {
    await core?.close();
    await db?.cleanup();
  });

  it.skipIf(skip)('applies, exports and re-applies the exported file with no changes; the password stays a variable', async () => {
    const first = await core.sync.apply(config(yaml, env), { dryRun: false });
    expect(first.items.filter((i) => i.kind === 'status-page').map((i) => `${i.action} ${i.key}`)).toEqual(['create acme', 'create internal']);
    expect(first.items.some((i) => i.kind === 'message-template' && i.key === 'Investigating')).toBe(true);
    expect((await core.sync.apply(config(yaml, env), { dryRun: false })).items).toEqual([]);

    const exported = await core.exportConfig({ includeSecrets: false });
    expect(exported.yaml).toContain('slug: acme');
    expect(exported.yaml).toContain('password: ${PAGE_PASSWORD}');
    expect(exported.yaml).not.toContain('correct horse');
    const again = await core.sync.apply(parseConfig(exported.yaml, 'exported.yaml', env), { dryRun: false });
    expect(again.items).toEqual([]);
  });

  it.skipIf(skip)('shows what changed, keeps the password secret in the plan, and deletes a page the file drops', async () => {
    const changed = yaml.replace('title: Acme status', 'title: Acme driftstatus');
    const plan = await core.sync.apply(config(changed, { PAGE_PASSWORD: 'another long password' }), { dryRun: true });
    expect(plan.items).toContainEqual({ action: 'update', kind: 'status-page', key: 'acme', changes: ['title: "Acme status" → "Acme driftstatus"'] });
    expect(plan.items).toContainEqual({ action: 'update', kind: 'status-page', key: 'internal', changes: ['access.password: (secret changed)'] });
    const dropped = yaml.slice(0, yaml.indexOf('  - slug: internal')) + yaml.slice(yaml.indexOf('messageTemplates:'));
    const removal = await core.sync.apply(config(dropped, env), { dryRun: false });
    expect(removal.items).toContainEqual({ action: 'delete', kind: 'status-page', key: 'internal', changes: [] });
  });
});

describe('status page config errors', () => {
  it('names the field that refers to a missing monitor or site, and a repeated slug', () => {
    const bad = `
sites: [{ name: Shop, monitors: [{ name: Home, type: http, url: "https://shop.test/" }] }]
statusPages:
  - { slug: a, title: A, components: [{ name: X, monitors: ["Shop/Nope"] }] }
  - { slug: a, title: B, components: [{ name: Y, site: Nowhere }] }
`;
    let error: unknown;
    try {
      config(bad, {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    const text = (error as AppError).details.map((d) => `${d.path} ${d.message}`).join('\n');
    expect(text).toMatch(/statusPages\[0\]\.components\[0\]\.monitors\[0\].*no monitor is named "Shop\/Nope"/);
    expect(text).toMatch(/statusPages\[1\]\.slug.*another status page has the slug "a"/);
    expect(text).toMatch(/statusPages\[1\]\.components\[0\]\.site.*no site is named "Nowhere"/);
  });
});
