import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import RssParser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, tempDir, type TestDatabase } from '../support/databases.js';

let db: TestDatabase;
const out = tempDir('upkeep-static-');

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  const core = await openTestCore(db);
  await core.sync.apply(
    config(`
sites: [{ name: Shop, monitors: [{ name: Home, type: http, url: "https://shop.example.test/" }] }]
maintenance:
  - { name: Patch day, start: "${new Date(Date.now() + 86_400_000).toISOString()}", end: "${new Date(Date.now() + 90_000_000).toISOString()}", sites: [Shop] }
statusPages:
  - { slug: acme, title: Acme status, logo: "https://cdn.acme.test/logo.png", components: [{ name: Web shop, site: Shop }] }
  - { slug: staff, title: Staff, access: { allowIps: [10.0.0.0/8] }, components: [{ name: Web shop, site: Shop }] }
`),
    { dryRun: false },
  );
  await core.close();
});
afterAll(async () => {
  await db?.cleanup();
  out.cleanup();
});

describe('upkeep status export', () => {
  it('writes a self-contained copy: relative links, the CSP in a meta tag, JSON and feeds that parse', async () => {
    const result = await runCli(['status', 'export', 'acme', out.path, '--data-dir', db.dataDir, '--url', 'https://status.acme.test/'], {
      env: { UPKEEP_WEBHOOK_SECRET: 'x' },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/wrote 7 files \(\d+\.\d kB\) to /);
    expect(readdirSync(out.path).sort()).toEqual(['atom.xml', 'embed.json', 'index.html', 'maintenance.ics', 'page.css', 'rss.xml', 'summary.json']);
    const html = readFileSync(join(out.path, 'index.html'), 'utf8');
    expect(html).toContain('<link rel="stylesheet" href="page.css">');
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;self&#39;; img-src &#39;self&#39; data: https://cdn.acme.test;`,
    );
    expect(html).not.toContain('<form');
    expect(html).toContain('Patch day');
    expect(JSON.parse(readFileSync(join(out.path, 'summary.json'), 'utf8'))).toMatchObject({
      page: { url: 'https://status.acme.test/' },
      scheduled_maintenances: [{ name: 'Patch day' }],
    });
    const feed = await new RssParser().parseString(readFileSync(join(out.path, 'rss.xml'), 'utf8'));
    expect(feed.items.map((i) => i.title)).toEqual(['Scheduled maintenance: Patch day']);
    expect(readdirSync(out.path).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('refuses a private page and an unknown slug with a clear message', async () => {
    const refused = await runCli(['status', 'export', 'staff', out.path, '--data-dir', db.dataDir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('upkeep: status page "staff" is private (access:); a static copy could not keep it so\n');
    const unknown = await runCli(['status', 'export', 'nope', out.path, '--data-dir', db.dataDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('upkeep: no status page has the slug "nope"\n');
  });
});
