import { withBrowser } from '../browser/chromium.js';
import type { AuditContext } from '../context.js';
import { emptyResult, type CategoryResult, type Finding, type Severity, type ThirdParty } from '../types.js';
import { locate, openGeoip } from './geoip.js';
import { scanPage, type PageEvidence } from './page-scan.js';
import { hostsOf, isThirdParty, isTrackingCookie, siteOf, thirdParties, TRACKING } from './third-parties.js';

const PENALTY: Record<Severity, number> = { critical: 40, high: 25, medium: 10, low: 3, info: 0 };
/** The EU and EEA: data stays under the GDPR there; elsewhere a transfer needs a legal basis (Chapter V). */
const EEA = new Set('AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO'.split(' '));
const UNSAFE_REFERRER = new Set(['unsafe-url', 'no-referrer-when-downgrade', 'origin-when-cross-origin', 'origin']);
/** Hosts that serve web fonts; loading them before consent sends the visitor's address to the font host. */
const FONT_HOSTS = /(^|\.)(fonts\.googleapis\.com|fonts\.gstatic\.com|use\.typekit\.net|fonts\.bunny\.net|use\.fontawesome\.com)$/;

const finding = (id: string, severity: Severity, title: string, evidence: string, fix: string): Finding => ({
  id: `privacy.${id}`,
  category: 'privacy',
  severity,
  title,
  evidence,
  fix,
});

/** A score from findings: 100 less a fixed penalty per finding by severity. */
const scoreFromFindings = (findings: readonly Finding[]) => Math.max(0, 100 - findings.reduce((sum, f) => sum + PENALTY[f.severity], 0));

/**
 * Opens the page in a fresh Chromium profile without interacting (so nothing has been consented to)
 * and reports what it shares before consent: third parties, cookies, storage, fonts and CDNs; plus
 * forms that post over plain HTTP, the referrer policy, the privacy link and a consent banner.
 */
export async function privacyAudit(ctx: AuditContext): Promise<CategoryResult> {
  const geoip = ctx.config.privacy.geoipDatabase ? await openGeoip(ctx.config.privacy.geoipDatabase) : undefined;
  ctx.step('privacy', 'loading the page in a fresh browser profile, without consenting');
  const evidence = await withBrowser(ctx, (session) => scanPage(session, ctx.url.href, ctx.config.privacy.settle));
  const page = new URL(evidence.finalUrl);
  const parties = thirdParties(evidence.requests, page);
  if (geoip) await locate(ctx, geoip, parties, hostsOf(evidence.requests, page));
  const findings = analyse(evidence, page, parties);
  const result = emptyResult();
  result.findings = findings;
  result.scores.privacy = scoreFromFindings(findings);
  result.facts.thirdParties = parties;
  result.artifacts.push(
    { name: 'privacy-requests.json', contentType: 'application/json', content: JSON.stringify(evidence.requests, null, 2) },
    {
      name: 'privacy-cookies.json',
      contentType: 'application/json',
      content: JSON.stringify({ cookies: evidence.cookies, storage: evidence.storage }, null, 2),
    },
    { name: 'screenshot.png', contentType: 'image/png', content: evidence.screenshot },
  );
  return result;
}

function analyse(evidence: PageEvidence, page: URL, parties: readonly ThirdParty[]): Finding[] {
  const out: Finding[] = [];
  const site = siteOf(page.hostname);
  const before = 'on first load, before any consent';

  const fonts = evidence.requests.filter((r) => isThirdParty(r.url, page) && (FONT_HOSTS.test(new URL(r.url).hostname) || r.type === 'font'));
  for (const host of new Set(fonts.map((r) => new URL(r.url).hostname))) {
    const google = /fonts\.(googleapis|gstatic)\.com$/.test(host);
    out.push(
      finding(
        `third-party-font:${host}`,
        google ? 'high' : 'medium',
        `Fonts are loaded from ${host} ${before}`,
        `${fonts
          .filter((r) => new URL(r.url).hostname === host)
          .slice(0, 5)
          .map((r) => r.url)
          .join(', ')}`,
        `Host the font files on your own server.${google ? ' A German court (LG München I, 3 O 17493/20, 20 January 2022) fined a site for passing visitors’ IP addresses to Google Fonts without consent.' : ''}`,
      ),
    );
  }

  for (const party of parties) {
    const tracking = party.categories.filter((c) => TRACKING.has(c));
    if (tracking.length === 0) continue;
    out.push(
      finding(
        `tracker-before-consent:${party.domain}`,
        'high',
        `${party.entity ?? party.domain} (${tracking.join(', ')}) is contacted ${before}`,
        `${party.requests} request${party.requests === 1 ? '' : 's'} to ${party.domain}${party.country ? ` (hosted in ${party.country})` : ''}`,
        'Load analytics, advertising and social scripts only after the visitor agrees (a consent manager that blocks them until then), or use a tool that needs no consent.',
      ),
    );
  }
  for (const party of parties.filter((p) => p.country && !EEA.has(p.country))) {
    out.push(
      finding(
        `transfer-outside-eea:${party.domain}`,
        'low',
        `${party.entity ?? party.domain} is hosted outside the EU/EEA (${party.country})`,
        `${party.domain} resolves to an address the GeoIP database places in ${party.country}`,
        'Name this transfer and its legal basis (adequacy decision or standard contractual clauses) in the privacy policy, or choose a provider in the EU.',
      ),
    );
  }
  const cdns = parties.filter((p) => p.categories.includes('cdn') && !fonts.some((f) => siteOf(new URL(f.url).hostname) === p.domain));
  for (const cdn of cdns) {
    out.push(
      finding(
        `third-party-cdn:${cdn.domain}`,
        'medium',
        `Files are loaded from ${cdn.entity ?? cdn.domain} ${before}`,
        `${cdn.requests} request${cdn.requests === 1 ? '' : 's'} to ${cdn.domain}`,
        'Serve these files from your own domain, or make sure the CDN is covered by a data processing agreement and your privacy policy.',
      ),
    );
  }

  const cookies = evidence.cookies;
  const thirdPartyCookies = cookies.filter((c) => siteOf(c.domain) !== site);
  const trackingCookies = cookies.filter((c) => siteOf(c.domain) === site && isTrackingCookie(c.name));
  if (thirdPartyCookies.length) {
    out.push(
      finding(
        'third-party-cookies',
        'high',
        `${thirdPartyCookies.length} third-party cookie${thirdPartyCookies.length === 1 ? ' is' : 's are'} set ${before}`,
        thirdPartyCookies.map((c) => `${c.name} (${c.domain})`).join(', '),
        'Block the scripts and frames that set these cookies until the visitor consents.',
      ),
    );
  }
  if (trackingCookies.length) {
    out.push(
      finding(
        'tracking-cookies',
        'high',
        `Tracking cookie${trackingCookies.length === 1 ? '' : 's'} ${trackingCookies.map((c) => c.name).join(', ')} set ${before}`,
        trackingCookies
          .map(
            (c) => `${c.name} on ${c.domain}, set by ${c.setBy}${c.expires > 0 ? `, kept until ${new Date(c.expires * 1000).toISOString().slice(0, 10)}` : ''}`,
          )
          .join('; '),
        'Set analytics and advertising cookies only after consent (configure the tool to wait for it).',
      ),
    );
  }
  const stored = [...evidence.storage.local.map((k) => `localStorage ${k}`), ...evidence.storage.session.map((k) => `sessionStorage ${k}`)];
  if (stored.length) {
    out.push(
      finding(
        'storage-before-consent',
        'low',
        `The page writes to browser storage ${before}`,
        stored.join(', '),
        'Storing data on the visitor’s device needs consent unless it is strictly necessary for what they asked for (ePrivacy Directive, Art. 5(3)).',
      ),
    );
  }

  for (const form of evidence.dom.forms) {
    let action: URL;
    try {
      action = new URL(form.action);
    } catch {
      continue;
    }
    if (action.protocol !== 'http:' || form.method !== 'post') continue;
    out.push(
      finding(
        `form-over-http:${action.pathname}`,
        form.hasPassword ? 'critical' : 'high',
        form.hasPassword ? 'A login form sends passwords over plain HTTP' : 'A form sends what visitors type over plain HTTP',
        `<form method="post" action="${action.href}">${form.hasPassword ? ' with a password field' : ''}`,
        'Serve the site and the form’s target over HTTPS only.',
      ),
    );
  }

  const referrer = (evidence.dom.metaReferrer ?? evidence.referrerPolicyHeader ?? '').split(',').at(-1)!.trim().toLowerCase();
  if (UNSAFE_REFERRER.has(referrer) && parties.length) {
    out.push(
      finding(
        'referrer-policy',
        'medium',
        'The referrer policy sends page addresses to third parties',
        `Referrer-Policy: ${referrer}; third parties: ${parties.map((p) => p.domain).join(', ')}`,
        'Use Referrer-Policy: strict-origin-when-cross-origin (or no-referrer).',
      ),
    );
  }
  if (evidence.dom.privacyLinks.length === 0) {
    out.push(
      finding(
        'no-privacy-policy-link',
        'medium',
        'No link to a privacy policy on the page',
        `no link on ${page.href} whose text or address mentions privacy`,
        'Link the privacy policy from every page (usually in the footer).',
      ),
    );
  }
  const needsConsent = parties.some((p) => p.categories.some((c) => TRACKING.has(c))) || thirdPartyCookies.length > 0 || trackingCookies.length > 0;
  if (needsConsent && evidence.dom.consent.length === 0) {
    out.push(
      finding(
        'no-consent-banner',
        'high',
        'Tracking happens, but there is no consent banner',
        `trackers or tracking cookies on ${page.href}, and no consent manager or cookie notice on the first screen`,
        'Add a consent manager that asks before any tracking starts, with "reject" as easy as "accept".',
      ),
    );
  }
  return out;
}
