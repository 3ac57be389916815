import { createRequire } from 'node:module';
import { AppError } from '../../lib/errors.js';
import { isHtml, parseHtml, resolveUrl } from '../html.js';
import { firstHeader, isHttpResult, type AuditNet } from '../net.js';

export interface CrawlLimits {
  maxPages: number;
  maxDepth: number;
  timeLimit: number;
  sitemapSample: number;
  concurrency: number;
  checkExternal: boolean;
}

/** One URL the crawl checked: where it ended, how it got there, and which pages link to it. */
export interface CheckedLink {
  url: string;
  status: number | null;
  error?: string;
  redirects: string[];
  internal: boolean;
  linkedFrom: string[];
}

export interface CrawlReport {
  pages: number;
  checked: CheckedLink[];
  /** Links to http:// from an https page, or to other sites over http://. */
  insecure: { url: string; page: string }[];
  skippedByRobots: number;
  stoppedBy: 'done' | 'page limit' | 'time limit';
}

// robots-parser is CommonJS whose types declare an ES default export; required, it is the function itself.
interface Robots {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
}
const robotsParser = createRequire(import.meta.url)('robots-parser') as (url: string, contents: string) => Robots;
const USER_AGENT = 'Upkeep';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_HOPS = 10;
const normalise = (u: URL) => {
  const copy = new URL(u.href);
  copy.hash = '';
  return copy.href;
};

/** Follows a URL hop by hop so the chain is known; each hop goes through the guarded client. */
async function check(
  net: AuditNet,
  url: string,
  method: 'GET' | 'HEAD',
): Promise<{ status: number | null; error?: string; redirects: string[]; body?: Buffer; type?: string }> {
  const redirects: string[] = [];
  for (let current = url; ;) {
    const res = await net.tryFetch(current, { method, maxRedirects: 0, maxBodyBytes: 2 * 1024 * 1024, deadlineMs: 15_000 });
    if (!isHttpResult(res)) return { status: null, error: res.error, redirects };
    const location = firstHeader(res, 'location');
    if (REDIRECTS.has(res.status) && location && redirects.length < MAX_HOPS) {
      const next = resolveUrl(location, current);
      if (next && (next.protocol === 'http:' || next.protocol === 'https:')) {
        redirects.push(current);
        current = next.href;
        continue;
      }
    }
    // Some servers refuse HEAD; such a link is not broken, so it gets a GET.
    if (method === 'HEAD' && (res.status === 405 || res.status === 501)) return check(net, url, 'GET');
    return { status: res.status, redirects, body: res.body, ...(firstHeader(res, 'content-type') ? { type: firstHeader(res, 'content-type')! } : {}) };
  }
}

/** Evenly spaced URLs from a sitemap: the same sample every time, so two crawls compare. */
async function sitemapUrls(net: AuditNet, sitemaps: string[], origin: string, sample: number): Promise<string[]> {
  if (sample === 0) return [];
  const urls: string[] = [];
  for (const sitemap of sitemaps.slice(0, 3)) {
    const res = await net.tryFetch(sitemap, { maxBodyBytes: 5 * 1024 * 1024 });
    if (!isHttpResult(res) || res.status !== 200) continue;
    for (const m of res.body.toString('utf8').matchAll(/<loc>\s*([^<\s]+)\s*<\/loc>/g)) {
      const url = resolveUrl(m[1]!.replace(/&amp;/g, '&'), sitemap);
      if (url?.origin === origin) urls.push(normalise(url));
    }
  }
  const step = Math.max(1, urls.length / sample);
  return Array.from({ length: Math.min(sample, urls.length) }, (_, i) => urls[Math.floor(i * step)]!);
}

/**
 * A polite crawl of one origin: robots.txt obeyed (and its crawl delay), a few requests at a time,
 * within page, depth and time limits; links to other sites are checked once each, never crawled.
 */
export async function crawl(net: AuditNet, start: URL, limits: CrawlLimits, progress: (message: string) => void): Promise<CrawlReport> {
  const deadline = Date.now() + limits.timeLimit;
  const origin = start.origin;
  const robotsRes = await net.tryFetch(`${origin}/robots.txt`, { maxBodyBytes: 512 * 1024 });
  const robotsText = isHttpResult(robotsRes) && robotsRes.status === 200 ? robotsRes.body.toString('utf8') : '';
  const robots = robotsParser(`${origin}/robots.txt`, robotsText);
  const delayMs = Math.min((robots.getCrawlDelay(USER_AGENT) ?? 0) * 1000, 10_000);
  const sitemaps = robots.getSitemaps().length ? robots.getSitemaps() : [`${origin}/sitemap.xml`];

  const links = new Map<string, CheckedLink>();
  const queue: { url: string; depth: number }[] = [{ url: normalise(start), depth: 0 }];
  for (const url of await sitemapUrls(net, sitemaps, origin, limits.sitemapSample)) queue.push({ url, depth: 1 });
  const seen = new Set(queue.map((q) => q.url));
  const external: string[] = [];
  const insecure: CrawlReport['insecure'] = [];
  let pages = 0;
  let skippedByRobots = 0;
  let stoppedBy: CrawlReport['stoppedBy'] = 'done';

  const note = (url: string, from: string, internal: boolean) => {
    const known = links.get(url);
    if (known) {
      if (!known.linkedFrom.includes(from) && known.linkedFrom.length < 20) known.linkedFrom.push(from);
      return false;
    }
    links.set(url, { url, status: null, redirects: [], internal, linkedFrom: from ? [from] : [] });
    return true;
  };
  note(normalise(start), '', true);

  const visitPage = async ({ url, depth }: { url: string; depth: number }) => {
    if (robots.isAllowed(url, USER_AGENT) === false) {
      skippedByRobots++;
      links.delete(url);
      return;
    }
    const res = await check(net, url, 'GET');
    if (res.error && depth === 0 && url === normalise(start)) throw new AppError('unavailable', `cannot reach ${url}: ${res.error}`);
    const entry = links.get(url) ?? { url, status: null, redirects: [], internal: true, linkedFrom: [] };
    Object.assign(entry, { status: res.status, redirects: res.redirects }, res.error ? { error: res.error } : {});
    links.set(url, entry);
    pages++;
    if (res.status !== 200 || !res.body || !isHtml(res.type) || depth >= limits.maxDepth) return;
    const page = new URL(url);
    const doc = parseHtml(res.body.toString('utf8'));
    for (const ref of [...doc.links.filter((l) => l.tag === 'a' || l.tag === 'area').map((l) => l.href), ...doc.resources.map((r) => r.url)]) {
      const target = resolveUrl(ref, url);
      if (!target || (target.protocol !== 'http:' && target.protocol !== 'https:')) continue;
      const href = normalise(target);
      const internal = target.origin === origin;
      if (target.protocol === 'http:' && (page.protocol === 'https:' || !internal)) insecure.push({ url: href, page: url });
      if (!note(href, url, internal)) continue;
      if (internal && !seen.has(href)) {
        seen.add(href);
        queue.push({ url: href, depth: depth + 1 });
      } else if (!internal && limits.checkExternal) external.push(href);
    }
  };

  let inFlight = 0;
  const worker = async () => {
    for (;;) {
      if (pages >= limits.maxPages) return void (stoppedBy = 'page limit');
      if (Date.now() > deadline) return void (stoppedBy = 'time limit');
      const next = queue.shift();
      if (!next) {
        // Another worker may still be reading a page that adds more to the queue.
        if (inFlight === 0) return;
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      inFlight++;
      try {
        await visitPage(next);
      } finally {
        inFlight--;
      }
      if (pages % 10 === 0) progress(`${pages} URLs checked, ${queue.length} queued`);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency }, worker));

  const externalTodo = external.slice(0, limits.maxPages);
  const externalWorker = async () => {
    while (externalTodo.length && Date.now() <= deadline) {
      const url = externalTodo.shift()!;
      const res = await check(net, url, 'HEAD');
      Object.assign(links.get(url)!, { status: res.status, redirects: res.redirects }, res.error ? { error: res.error } : {});
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency }, externalWorker));
  // Internal links never visited (limits reached) are not judged.
  const checked = [...links.values()].filter((l) => l.status !== null || l.error !== undefined);
  return { pages, checked, insecure, skippedByRobots, stoppedBy };
}
