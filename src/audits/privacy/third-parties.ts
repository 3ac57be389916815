import thirdPartyWeb from 'third-party-web';
import { getDomain } from 'tldts';
import type { ThirdParty } from '../types.js';

/**
 * Who is "the site" for a host: its registrable domain (www.shop.example.co.uk → example.co.uk, by
 * the Public Suffix List), or the host itself when it has none (an IP address, localhost).
 */
export function siteOf(hostname: string): string {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return getDomain(host, { allowPrivateDomains: true }) ?? host;
}

export function isThirdParty(url: string, page: URL): boolean {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    return siteOf(u.hostname) !== siteOf(page.hostname);
  } catch {
    return false;
  }
}

/** Categories (third-party-web's words) whose requests before consent need consent under the GDPR and ePrivacy rules. */
export const TRACKING = new Set(['ad', 'analytics', 'social', 'tag-manager', 'marketing', 'customer-success']);

/** Groups a page's third-party requests by registrable domain, named and categorised by third-party-web (MIT). */
export function thirdParties(requests: readonly { url: string }[], page: URL): ThirdParty[] {
  const byDomain = new Map<string, ThirdParty & { hosts: Set<string> }>();
  for (const { url } of requests) {
    if (!isThirdParty(url, page)) continue;
    const host = new URL(url).hostname;
    const domain = siteOf(host);
    let entry = byDomain.get(domain);
    if (!entry) {
      const entity = thirdPartyWeb.getEntity(url);
      entry = { domain, categories: entity ? [...entity.categories] : ['unknown'], requests: 0, hosts: new Set() };
      if (entity) entry.entity = entity.name;
      byDomain.set(domain, entry);
    }
    entry.requests++;
    entry.hosts.add(host);
  }
  return [...byDomain.values()].map(({ hosts: _hosts, ...t }) => t).sort((a, b) => a.domain.localeCompare(b.domain));
}

/** The hosts behind each third-party domain, for locating them. */
export function hostsOf(requests: readonly { url: string }[], page: URL): Map<string, string> {
  const hosts = new Map<string, string>();
  for (const { url } of requests) if (isThirdParty(url, page)) hosts.set(siteOf(new URL(url).hostname), new URL(url).hostname);
  return hosts;
}

/**
 * Cookie names that well-known analytics and advertising tools set, whatever domain they are set on
 * (these tools write first-party cookies from their scripts). Facts about those tools, written here.
 */
const TRACKING_COOKIES =
  /^(_ga|_gid|_gat|_gcl_|_fbp|_fbc|_hj|_clck|_clsk|__utm[abcz]|_pk_(id|ses)|mp_|ajs_|_uetsid|_uetvid|IDE$|NID$|MUID$|_tt_|_pin_unauth|li_|bcookie|_mkto_trk|hubspotutk|__hs)/;

export const isTrackingCookie = (name: string) => TRACKING_COOKIES.test(name);
