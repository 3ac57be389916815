import { AppError } from '../../lib/errors.js';
import type { HttpResult } from '../../lib/net/index.js';
import { isHtml, parseHtml, type PageDoc } from '../html.js';
import { firstHeader, headerValues, isHttpResult, type AuditNet } from '../net.js';
import { CookieJar } from './observatory/content.js';
import type { ObservatoryInput, ObservedResponse } from './observatory/index.js';

/** The origin sent in the CORS preflight: a name that can never be a real site, so reflecting it proves reflection. */
const CORS_PROBE_ORIGIN = 'https://audit.upkeep.invalid';
const MAX_HOPS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface Visit {
  /** Every URL asked for, the first one included. */
  route: URL[];
  final: HttpResult;
  verified: boolean;
}

/** What the security audit works from: the Observatory's inputs plus the page itself. */
export interface Retrieved {
  observatory: ObservatoryInput;
  /** The page the site is judged on (HTTPS when it answers) and its body parsed. */
  page: HttpResult;
  pageUrl: URL;
  doc: PageDoc | null;
  /** Why HTTPS could not be reached, when it could not. */
  httpsError?: string;
}

const observed = (url: URL, res: HttpResult, verified: boolean): ObservedResponse => {
  const headers: Record<string, string[]> = {};
  for (const name of Object.keys(res.headers)) headers[name.toLowerCase()] = headerValues(res, name);
  return { url, status: res.status, headers, verified };
};

/**
 * Follows redirects one hop at a time, so every hop's cookies and certificate are seen (the guarded
 * client judges each hop's address again). Certificates are accepted but their verdict is kept.
 */
export async function visit(net: AuditNet, start: URL, jar: CookieJar): Promise<Visit | { error: string }> {
  const route = [start];
  let verified = true;
  for (let url = start; ;) {
    const res = await net.tryFetch(url.href, { maxRedirects: 0, insecure: true });
    if (!isHttpResult(res)) return { error: res.error };
    if (res.tls && !res.tls.authorized) verified = false;
    for (const raw of headerValues(res, 'set-cookie')) jar.add(raw, url);
    const location = firstHeader(res, 'location');
    if (!REDIRECTS.has(res.status) || !location || route.length > MAX_HOPS) return { route, final: res, verified };
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return { route, final: res, verified };
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return { route, final: res, verified };
    route.push(next);
    url = next;
  }
}

/** Where the site answers over the other scheme: the same host, on its default port unless told otherwise. */
export function counterpart(target: URL, scheme: 'http:' | 'https:', port: number | undefined): URL {
  if (target.protocol === scheme) return target;
  const url = new URL(target.href);
  url.protocol = scheme;
  url.port = port === undefined ? '' : String(port);
  return url;
}

/**
 * Visits the site as the Observatory does: over HTTPS and over HTTP (each redirect followed), then
 * robots.txt for more cookies, then a CORS preflight from a foreign origin.
 */
export async function retrieve(net: AuditNet, target: URL, ports: { http?: number | undefined; https?: number | undefined } = {}): Promise<Retrieved> {
  const jar = new CookieJar();
  const [httpsVisit, httpVisit] = await Promise.all([
    visit(net, counterpart(target, 'https:', ports.https), jar),
    visit(net, counterpart(target, 'http:', ports.http), jar),
  ]);
  const https = 'error' in httpsVisit ? null : httpsVisit;
  const http = 'error' in httpVisit ? null : httpVisit;
  const auto = https ?? http;
  if (!auto) {
    const reasons = [...new Set([httpsVisit, httpVisit].map((v) => ('error' in v ? v.error : '')))];
    throw new AppError('unavailable', `cannot reach the site over HTTPS or HTTP: ${reasons.join('; ')}`);
  }
  const pageUrl = auto.route.at(-1)!;
  const robots = await net.tryFetch(new URL('/robots.txt', pageUrl).href, { maxRedirects: 0, insecure: true, maxBodyBytes: 64 * 1024 });
  if (isHttpResult(robots)) for (const raw of headerValues(robots, 'set-cookie')) jar.add(raw, pageUrl);
  const cors = await net.tryFetch(pageUrl.href, {
    method: 'OPTIONS',
    maxRedirects: 0,
    insecure: true,
    maxBodyBytes: 16 * 1024,
    headers: { origin: CORS_PROBE_ORIGIN, 'access-control-request-method': 'GET' },
  });
  const doc = isHtml(firstHeader(auto.final, 'content-type')) ? parseHtml(auto.final.body.toString('utf8')) : null;
  const autoObserved = observed(pageUrl, auto.final, auto.verified);
  const result: Retrieved = {
    observatory: {
      auto: autoObserved,
      https: https ? observed(https.route.at(-1)!, https.final, https.verified) : null,
      http: http ? observed(http.route.at(-1)!, http.final, http.verified) : null,
      httpRoute: http?.route ?? [],
      cors: isHttpResult(cors) ? observed(pageUrl, cors, auto.verified) : null,
      corsOrigin: CORS_PROBE_ORIGIN,
      jar: jar.all(),
      doc,
    },
    page: auto.final,
    pageUrl,
    doc,
  };
  if ('error' in httpsVisit) result.httpsError = httpsVisit.error;
  return result;
}
