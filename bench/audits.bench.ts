import { existsSync } from 'node:fs';
import { openCore } from '../src/app.js';
import { auditsConfigSchema } from '../src/audits/config.js';
import { linksAudit } from '../src/audits/links/index.js';
import { createAuditNet } from '../src/audits/net.js';
import { detect, loadRepository } from '../src/audits/security/retire.js';
import { readEnvironment } from '../src/config/env.js';
import { silentLogger } from '../src/lib/logger.js';
import { startCleanSite } from '../test/fixtures/audit-sites/clean.js';
import { startDefectiveSite } from '../test/fixtures/audit-sites/defective.js';
import { startHttpServer } from '../test/fixtures/servers.js';
import { tempDir } from '../test/support/databases.js';

export const title = 'Audits against loopback fixture sites (SQLite; Chromium and Lighthouse when /usr/bin/chromium exists)';

const rate = (n: number, ms: number) => n / (ms / 1000);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, performance.now() - t];
}

export async function run(): Promise<Record<string, number | string>> {
  const dir = tempDir();
  const core = await openCore({ dataDir: dir.path, env: readEnvironment({}, false), logger: silentLogger() });
  const [clean, defective] = await Promise.all([startCleanSite(), startDefectiveSite()]);
  const cleanOpts = { allowPrivate: true, ca: [clean.ca], ports: { http: clean.http.port } };
  const defectiveOpts = { allowPrivate: true, resolve: defective.resolve, ca: [defective.ca] };
  const figures: Record<string, number | string> = {};
  try {
    const securityRuns = 10;
    const [, securityMs] = await timed(async () => {
      for (let i = 0; i < securityRuns; i++) await core.audits.runAudit(clean.url, { only: ['security'], ...cleanOpts });
    });
    figures['security audits/s (clean HTTPS site, TLS scan included)'] = rate(securityRuns, securityMs);
    const [, defectMs] = await timed(async () => {
      for (let i = 0; i < securityRuns; i++) await core.audits.runAudit(defective.url, { only: ['security'], ...defectiveOpts });
    });
    figures['security audits/s (defective HTTP site, 19 probes)'] = rate(securityRuns, defectMs);

    const repo = loadRepository();
    const banner = Buffer.from(`/*! jQuery v1.12.4 | (c) jQuery Foundation */\n${'x'.repeat(90_000)}`);
    const [, retireMs] = await timed(async () => {
      for (let i = 0; i < 200; i++) detect(repo, `https://cdn.example.com/js/app-${i}.js`, banner);
    });
    figures['retire.js content matches/s (90 kB scripts)'] = rate(200, retireMs);

    const pages = 300;
    const site = await startHttpServer((req, res) => {
      const n = Number(/\/p\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<a href="/p/${n + 1}">next</a> <a href="/p/${(n * 7) % pages}">jump</a>`);
    });
    try {
      const config = auditsConfigSchema.parse({ links: { maxPages: pages, maxDepth: 20, concurrency: 4, sitemapSample: 0 } });
      const ctx = { url: new URL(site.url('/p/0')), net: createAuditNet({ allowPrivate: true }), config, ports: {}, step: () => undefined };
      const [, crawlMs] = await timed(() => linksAudit(ctx));
      figures['links crawl URLs/s (300 pages, 4 at a time)'] = rate(pages, crawlMs);
    } finally {
      await site.close();
    }

    if (!existsSync('/usr/bin/chromium')) {
      figures.chromium = 'absent: privacy, accessibility and Lighthouse figures skipped';
      return figures;
    }
    const [, privacyMs] = await timed(() => core.audits.runAudit(defective.url, { only: ['privacy'], ...defectiveOpts }));
    figures['privacy audit seconds (fresh Chromium, 3 s settle)'] = privacyMs / 1000;
    const [, a11yMs] = await timed(() => core.audits.runAudit(defective.url, { only: ['accessibility'], ...defectiveOpts }));
    figures['accessibility audit seconds (Chromium start + axe-core)'] = a11yMs / 1000;
    const runs = 3;
    core.audits.useConfig(auditsConfigSchema.parse({ performance: { runs, formFactors: ['mobile'] } }), false);
    const [perf, perfMs] = await timed(() => core.audits.runAudit(clean.url, { only: ['performance'], ...cleanOpts }));
    figures['Lighthouse seconds per run (mobile, loopback page)'] = perfMs / 1000 / runs;
    figures['Lighthouse performance score (median of 3)'] = perf.scores.performance ?? JSON.stringify(perf.errors);
    return figures;
  } finally {
    await Promise.all([clean.close(), defective.close()]);
    await core.close();
    dir.cleanup();
  }
}
