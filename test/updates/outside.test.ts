import { describe, expect, it } from 'vitest';
import { createAuditNet } from '../../src/audits/net.js';
import { loadRepository } from '../../src/audits/security/retire.js';
import { inventoryOutside } from '../../src/updates/inventory.js';
import { startService } from './support.js';

const net = createAuditNet({ allowPrivate: true });
const retire = loadRepository();
const html = (head: string) => ({ type: 'text/html; charset=utf-8', text: `<!DOCTYPE html><html><head>${head}</head><body><p>Welcome</p></body></html>` });
const summary = (inv: Awaited<ReturnType<typeof inventoryOutside>>) => inv.components.map((c) => `${c.ecosystem} ${c.name} ${c.version ?? '?'}`).sort();

describe('inventory from outside', () => {
  it('Drupal 7: the generator names the major version, CHANGELOG.txt the exact one', async () => {
    const site = await startService((req) => {
      if (req.path === '/')
        return {
          ...html('<meta name="Generator" content="Drupal 7 (http://drupal.org)" /><script src="/misc/drupal.js?s3x7o1"></script>'),
          headers: { 'x-generator': 'Drupal 7 (http://drupal.org)', server: 'Apache/2.4.38 (Debian)' },
        };
      if (req.path === '/CHANGELOG.txt')
        return { text: '\nDrupal 7.98, 2023-06-07\n-----------------------\n- Fixed security issues.\n\nDrupal 7.97, 2023-04-21\n' };
      return undefined;
    });
    try {
      const inv = await inventoryOutside(site.url('/'), (u) => net.tryFetch(u), retire);
      expect(summary(inv)).toEqual(['cms:drupal drupal 7.98', 'server:apache apache 2.4.38']);
      expect(
        inv.components
          .find((c) => c.name === 'drupal')
          ?.seen.map((s) => s.source)
          .sort(),
      ).toEqual(['drupal-changelog', 'meta-generator', 'x-generator-header']);
    } finally {
      await site.close();
    }
  });

  it("Drupal 10: core's asset query string carries the version", async () => {
    const site = await startService((req) =>
      req.path === '/'
        ? html(
            '<meta name="Generator" content="Drupal 10 (https://www.drupal.org)" /><script src="/core/misc/drupal.js?v=10.1.6"></script><script src="/core/misc/drupalSettingsLoader.js?v=10.1.6"></script>',
          )
        : undefined,
    );
    try {
      const inv = await inventoryOutside(site.url('/'), (u) => net.tryFetch(u), retire);
      expect(summary(inv)).toEqual(['cms:drupal drupal 10.1.6']);
      // The well-known files were asked for even though this version has none, and the site's own scripts for their banners.
      expect(inv.requests.map((r) => [new URL(r.url).pathname, r.status])).toEqual([
        ['/', 200],
        ['/CHANGELOG.txt', 404],
        ['/core/CHANGELOG.txt', 404],
        ['/core/misc/drupal.js', 404],
        ['/core/misc/drupalSettingsLoader.js', 404],
      ]);
    } finally {
      await site.close();
    }
  });

  it('Joomla: the generator says Joomla, the administrator manifest which version', async () => {
    const site = await startService((req) => {
      if (req.path === '/')
        return html('<meta name="generator" content="Joomla! - Open Source Content Management" /><script src="/media/system/js/core.min.js?5c8ff3"></script>');
      if (req.path === '/administrator/manifests/files/joomla.xml')
        return {
          type: 'application/xml',
          text: '<?xml version="1.0" encoding="UTF-8"?>\n<extension type="file" method="upgrade">\n\t<name>files_joomla</name>\n\t<version>4.4.2</version>\n\t<creationDate>2024-01</creationDate>\n</extension>\n',
        };
      return undefined;
    });
    try {
      const inv = await inventoryOutside(site.url('/'), (u) => net.tryFetch(u), retire);
      expect(summary(inv)).toEqual(['cms:joomla joomla 4.4.2']);
    } finally {
      await site.close();
    }
  });

  it('a site with nothing to recognise gives nothing, and a failed request is reported, not thrown', async () => {
    const site = await startService((req) => (req.path === '/' ? html('<title>Plain</title>') : undefined));
    const url = site.url('/');
    await site.close();
    const inv = await inventoryOutside(url, (u) => net.tryFetch(u), retire);
    expect(inv.components).toEqual([]);
    expect(inv.requests[0]?.error).toMatch(/refused/);
  });
});
