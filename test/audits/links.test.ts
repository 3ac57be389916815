import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linksAudit } from '../../src/audits/links/index.js';
import { auditsConfigSchema } from '../../src/audits/config.js';
import { createAuditNet } from '../../src/audits/net.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';

/** A site of 50 pages in a chain, a private area robots.txt forbids, a redirect chain and an external link. */
let site: TestServer;
let other: TestServer;
const asked: string[] = [];

beforeAll(async () => {
  other = await startHttpServer((req, res) => {
    res.writeHead(req.url === '/gone' ? 410 : 200, { 'content-type': 'text/html' });
    res.end('elsewhere');
  });
  site = await startHttpServer((req, res) => {
    const path = req.url ?? '/';
    asked.push(path);
    const html = (body: string) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html><body>${body}</body></html>`);
    };
    if (path === '/robots.txt')
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(`User-agent: *\nDisallow: /private\nSitemap: ${site.url('/sitemap.xml')}\n`);
    if (path === '/sitemap.xml')
      return void res.writeHead(200, { 'content-type': 'application/xml' }).end(`<urlset><url><loc>${site.url('/from-sitemap')}</loc></url></urlset>`);
    if (path === '/')
      return html(
        `<a href="/page/1">start</a> <a href="/private/secret">private</a> <a href="/old">old</a> <a href="${other.url('/')}">partner</a> <a href="${other.url('/gone')}">gone</a> <a href="mailto:x@example.com">mail</a>`,
      );
    if (path === '/old') return void res.writeHead(301, { location: '/older' }).end();
    if (path === '/older') return void res.writeHead(302, { location: '/new' }).end();
    const page = /^\/page\/(\d+)$/.exec(path);
    if (page) return html(`<a href="/page/${Number(page[1]) + 1}">next</a>`);
    if (path === '/new' || path === '/from-sitemap') return html('<a href="/">home</a>');
    res.writeHead(404).end();
  });
});
afterAll(async () => {
  await Promise.all([site?.close(), other?.close()]);
});

function run(limits: Record<string, unknown>) {
  const config = auditsConfigSchema.parse({ links: limits });
  return linksAudit({ url: new URL(site.url('/')), net: createAuditNet({ allowPrivate: true }), config, ports: {}, step: () => undefined });
}

describe('the links audit', () => {
  it('crawls politely within its limits, obeys robots.txt and samples the sitemap', async () => {
    asked.length = 0;
    const result = await run({ maxPages: 12, maxDepth: 20 });
    const crawled = asked.filter((p) => p.startsWith('/page/'));
    expect(crawled.length).toBeLessThanOrEqual(12);
    expect(crawled.length).toBeGreaterThan(3);
    expect(asked).not.toContain('/private/secret');
    expect(asked).toContain('/from-sitemap');
    const ids = result.findings.map((f) => f.id);
    expect(ids).toContain(`links.broken:${other.url('/gone')}`);
    expect(ids).toContain(`links.redirect-chain:${site.url('/old')}`);
    expect(result.findings.find((f) => f.id.startsWith('links.redirect-chain'))?.evidence).toContain('/older');
    expect(ids).toContain(`links.insecure:${other.url('/')}`);
    expect(ids).not.toContain(`links.broken:${other.url('/')}`);
  });

  it('stops at the depth limit', async () => {
    asked.length = 0;
    await run({ maxPages: 100, maxDepth: 2 });
    expect(asked.filter((p) => p.startsWith('/page/')).sort()).toEqual(['/page/1', '/page/2']);
  });
});
