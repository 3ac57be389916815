import type { AuditContext } from '../context.js';
import { emptyResult, type CategoryResult, type Finding } from '../types.js';
import { crawl, type CrawlReport } from './crawl.js';

const from = (pages: readonly string[]) =>
  pages.length ? `, linked from ${pages.slice(0, 5).join(', ')}${pages.length > 5 ? ` and ${pages.length - 5} more` : ''}` : '';

/** Findings from a crawl: broken links, redirect chains, links that leave HTTPS. */
function linkFindings(report: CrawlReport): Finding[] {
  const out: Finding[] = [];
  for (const link of report.checked) {
    const broken = link.error !== undefined || (link.status !== null && link.status >= 400);
    if (broken) {
      out.push({
        id: `links.broken:${link.url}`,
        category: 'links',
        severity: link.internal ? 'medium' : 'low',
        title: `Broken ${link.internal ? '' : 'external '}link: ${link.url} (${link.error ? 'unreachable' : link.status})`,
        evidence: `${link.url} → ${link.error ?? `HTTP ${link.status}`}${from(link.linkedFrom)}`,
        fix: link.internal
          ? 'Restore the page, redirect its old address to the new one, or remove the links to it.'
          : 'Update or remove the link; the other site moved or removed the page.',
      });
    } else if (link.redirects.length >= 2) {
      out.push({
        id: `links.redirect-chain:${link.url}`,
        category: 'links',
        severity: 'low',
        title: `Link goes through ${link.redirects.length} redirects`,
        evidence: `${link.redirects.join(' → ')} → HTTP ${link.status}${from(link.linkedFrom)}`,
        fix: 'Link to the final address directly, and make old addresses redirect there in one step.',
      });
    }
  }
  const insecure = new Map<string, string[]>();
  for (const { url, page } of report.insecure) insecure.set(url, [...(insecure.get(url) ?? []), page]);
  for (const [url, pages] of insecure) {
    out.push({
      id: `links.insecure:${url}`,
      category: 'links',
      severity: 'low',
      title: `Link to a plain-HTTP address: ${url}`,
      evidence: `${url}${from([...new Set(pages)])}`,
      fix: 'Link to the https:// address; visitors following this link leave the encrypted connection.',
    });
  }
  return out;
}

/** A polite same-origin crawl: broken links, redirect chains and non-HTTPS links, scored as the share of links that work. */
export async function linksAudit(ctx: AuditContext): Promise<CategoryResult> {
  ctx.step('links', 'crawling the site');
  const report = await crawl(ctx.net, ctx.url, ctx.config.links, (message) => ctx.step('links', message));
  const result = emptyResult();
  result.findings = linkFindings(report);
  const working = report.checked.filter((l) => l.error === undefined && l.status !== null && l.status < 400).length;
  result.scores.links = report.checked.length ? Math.round((working / report.checked.length) * 100) : 100;
  result.artifacts.push({
    name: 'links.json',
    contentType: 'application/json',
    content: JSON.stringify({ pages: report.pages, stoppedBy: report.stoppedBy, skippedByRobots: report.skippedByRobots, checked: report.checked }, null, 2),
  });
  return result;
}
