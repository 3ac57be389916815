import { parse as parseDomain } from 'tldts';
import type { PageDoc } from '../../html.js';
import { worse } from './headers.js';

/** A cookie as a browser's jar keeps it, from the Set-Cookie headers seen while visiting the site. */
export interface JarCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  /** lax, strict or none as written; undefined when absent or not one of those. */
  sameSite: 'lax' | 'strict' | 'none' | undefined;
  /** Where it was set: the evidence for a finding. */
  setBy: string;
}

/** Parses one Set-Cookie header; null when it has no name=value (browsers drop those). */
function parseSetCookie(raw: string, url: URL, now = Date.now()): (JarCookie & { expired: boolean }) | null {
  const [pair = '', ...attrs] = raw.split(';');
  const eq = pair.indexOf('=');
  if (eq < 0) return null;
  const cookie = {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    domain: url.hostname,
    path: '/',
    secure: false,
    httpOnly: false,
  } as JarCookie & {
    expired: boolean;
  };
  if (!cookie.name) return null;
  cookie.sameSite = undefined;
  cookie.setBy = url.href;
  cookie.expired = false;
  for (const attr of attrs) {
    const at = attr.indexOf('=');
    const key = (at < 0 ? attr : attr.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? '' : attr.slice(at + 1).trim();
    if (key === 'secure') cookie.secure = true;
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'domain' && value) cookie.domain = value.replace(/^\./, '').toLowerCase();
    else if (key === 'path' && value.startsWith('/')) cookie.path = value;
    else if (key === 'samesite') {
      const v = value.toLowerCase();
      cookie.sameSite = v === 'lax' || v === 'strict' || v === 'none' ? v : undefined;
    } else if (key === 'max-age' && /^-?\d+$/.test(value) && Number(value) <= 0) cookie.expired = true;
    else if (key === 'expires' && Date.parse(value) < now) cookie.expired = true;
  }
  return cookie;
}

/** A SameSite attribute with no value or a value browsers do not know. */
function hasInvalidSameSite(raw: string): boolean {
  return raw.split(';').some((part) => {
    const [key, value] = part.trim().split('=');
    if (key?.trim().toLowerCase() !== 'samesite') return false;
    return !value || !['lax', 'strict', 'none'].includes(value.trim().toLowerCase());
  });
}

/** Keeps cookies as a jar would: the last write for a name, domain and path wins; an expired write deletes. */
export class CookieJar {
  readonly #cookies = new Map<string, JarCookie>();

  add(raw: string, url: URL): void {
    const cookie = parseSetCookie(raw, url);
    if (!cookie) return;
    const key = `${cookie.name}\u0000${cookie.domain}\u0000${cookie.path}`;
    const { expired, ...kept } = cookie;
    if (expired) this.#cookies.delete(key);
    else this.#cookies.set(key, kept);
  }

  all(): JarCookie[] {
    return [...this.#cookies.values()];
  }
}

const COOKIE_ORDER = [
  'cookies-without-secure-flag-but-protected-by-hsts',
  'cookies-without-secure-flag',
  'cookies-session-without-secure-flag-but-protected-by-hsts',
  'cookies-samesite-flag-invalid',
  'cookies-anticsrf-without-samesite-flag',
  'cookies-session-without-httponly-flag',
  'cookies-session-without-secure-flag',
];

/** Cookies whose names suggest a login or a session; the Observatory holds them to a higher standard. */
export const isSessionCookie = (name: string) => /login|sess/i.test(name);

/** `rawSetCookies` are the final response's headers, checked for malformed SameSite; `hstsPass` from the HSTS test. */
export function cookiesTest(jar: readonly JarCookie[], rawSetCookies: readonly string[], hstsPass: boolean): string {
  let result: string | null = null;
  const note = (r: string) => (result = worse(result, r, COOKIE_ORDER));
  if (rawSetCookies.some(hasInvalidSameSite)) note('cookies-samesite-flag-invalid');
  // Heroku sets this one on every app; the Observatory leaves it out.
  const cookies = jar.filter((c) => c.name !== 'heroku-session-affinity');
  if (cookies.length === 0) return 'cookies-not-found';
  let missingSameSite = false;
  for (const c of cookies) {
    const session = isSessionCookie(c.name);
    if (!c.secure && c.sameSite === 'none') note('cookies-samesite-flag-invalid');
    if (!c.secure) note(hstsPass ? 'cookies-without-secure-flag-but-protected-by-hsts' : 'cookies-without-secure-flag');
    if (/csrf/i.test(c.name) && !c.sameSite) note('cookies-anticsrf-without-samesite-flag');
    if (session && !c.secure) note(hstsPass ? 'cookies-session-without-secure-flag-but-protected-by-hsts' : 'cookies-session-without-secure-flag');
    if (session && !c.httpOnly) note('cookies-session-without-httponly-flag');
    if (!c.sameSite) missingSameSite = true;
  }
  return result ?? (missingSameSite ? 'cookies-secure-with-httponly-sessions' : 'cookies-secure-with-httponly-sessions-and-samesite');
}

const SRI_ORDER = [
  'sri-implemented-and-all-scripts-loaded-securely',
  'sri-implemented-and-external-scripts-loaded-securely',
  'sri-implemented-but-external-scripts-not-loaded-securely',
  'sri-not-implemented-but-external-scripts-loaded-securely',
  'sri-not-implemented-and-external-scripts-not-loaded-securely',
  'sri-not-implemented-response-not-html',
];

/** Subresource integrity of the page's scripts; `doc` is null when the response is not HTML. */
export function sriTest(doc: PageDoc | null, page: URL): { result: string; external: string[] } {
  if (!doc) return { result: 'sri-not-implemented-response-not-html', external: [] };
  let result: string | null = null;
  let foreign = false;
  const external: string[] = [];
  const siteDomain = parseDomain(page.hostname).domain;
  for (const script of doc.scripts) {
    const src = script.src;
    if (!src) continue;
    const protocolRelative = /^\/\/[^/]/.test(src);
    const absolute = /^https?:\/\//i.test(src);
    const relative = !protocolRelative && !absolute;
    const sameSite = protocolRelative || relative || parseDomain(src).domain === siteDomain;
    const secureScheme = absolute ? src.toLowerCase().startsWith('https:') : relative && page.protocol === 'https:';
    const integrity = Boolean(script.integrity);
    if (relative || (sameSite && !protocolRelative)) {
      // SRI on a same-site script earns the bonus too.
      if (integrity && secureScheme && result === null) result = 'sri-implemented-and-all-scripts-loaded-securely';
      continue;
    }
    foreign = true;
    external.push(src);
    if (integrity && !secureScheme) result = worse(result, 'sri-implemented-but-external-scripts-not-loaded-securely', SRI_ORDER);
    else if (!integrity && secureScheme) result = worse(result, 'sri-not-implemented-but-external-scripts-loaded-securely', SRI_ORDER);
    else if (!integrity) result = worse(result, 'sri-not-implemented-and-external-scripts-not-loaded-securely', SRI_ORDER);
  }
  if (doc.scripts.length === 0) return { result: 'sri-not-implemented-but-no-scripts-loaded', external };
  return {
    result: result ?? (foreign ? 'sri-implemented-and-external-scripts-loaded-securely' : 'sri-not-implemented-but-all-scripts-loaded-from-secure-origin'),
    external,
  };
}
