import type { HttpResult } from '../../lib/net/index.js';
import type { PageDoc } from '../html.js';
import { headerValues } from '../net.js';
import type { AuditFacts, Finding } from '../types.js';
import { quote } from '../../lib/evidence.js';
import type { JarCookie } from './observatory/content.js';

type Technology = NonNullable<AuditFacts['technologies']>[number];

/** Headers that name software; with a version number they tell an attacker which exploits to try. */
const SOFTWARE_HEADERS = ['server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version', 'x-generator', 'x-drupal-cache', 'x-varnish', 'via'];

/** "Apache/2.4.41 (Ubuntu) OpenSSL/1.1.1f" → Apache 2.4.41, OpenSSL 1.1.1f; "WordPress 6.1.1" → WordPress 6.1.1. */
export function productsIn(value: string, source: string): Technology[] {
  const found: Technology[] = [];
  for (const m of value.matchAll(/([A-Za-z][\w.+-]*?)(?:[/ ]v?(\d+(?:\.[\w-]+)*))?(?=[\s;,()]|$)/g)) {
    const name = m[1]!;
    if (/^(ubuntu|debian|centos|unix|win64|win32|red|hat)$/i.test(name) && !m[2]) continue;
    found.push(m[2] ? { name, version: m[2], source } : { name, source });
  }
  return found;
}

/** Software recognised by traces it cannot help leaving: cookie names and asset paths. */
const FINGERPRINTS: { name: string; test: (doc: PageDoc | null, cookies: readonly JarCookie[]) => boolean }[] = [
  { name: 'WordPress', test: (doc) => Boolean(doc?.resources.some((r) => /\/wp-(content|includes)\//.test(r.url))) },
  { name: 'Drupal', test: (doc) => Boolean(doc?.resources.some((r) => /\/(sites\/default\/files|core\/misc)\//.test(r.url))) },
  { name: 'Joomla', test: (doc) => Boolean(doc?.resources.some((r) => /\/media\/(jui|system)\//.test(r.url))) },
  { name: 'PHP', test: (_d, cookies) => cookies.some((c) => c.name === 'PHPSESSID') },
  { name: 'Java servlet container', test: (_d, cookies) => cookies.some((c) => c.name === 'JSESSIONID') },
  { name: 'ASP.NET', test: (_d, cookies) => cookies.some((c) => /^ASP\.NET_SessionId$|^\.AspNetCore\./.test(c.name)) },
  { name: 'Laravel', test: (_d, cookies) => cookies.some((c) => c.name === 'laravel_session') },
];

export interface Disclosure {
  technologies: Technology[];
  findings: Finding[];
}

/** Reads software names and versions from the page's headers, generator tags and traces. */
export function disclosure(page: HttpResult, doc: PageDoc | null, cookies: readonly JarCookie[]): Disclosure {
  const technologies: Technology[] = [];
  const findings: Finding[] = [];
  for (const name of SOFTWARE_HEADERS) {
    for (const value of headerValues(page, name)) {
      const products = productsIn(value, `${name} header`);
      technologies.push(...products);
      const versioned = products.filter((p) => p.version);
      // X-Powered-By says what runs the site even without a version; Server without one is harmless.
      if (versioned.length === 0 && name !== 'x-powered-by') continue;
      findings.push({
        id: `security.version-disclosure:${name}`,
        category: 'security',
        severity: 'low',
        title: `The ${headerLabel(name)} header discloses ${versioned.length ? 'software versions' : 'the software in use'}`,
        evidence: `${headerLabel(name)}: ${quote(value)}`,
        fix:
          name === 'server'
            ? 'Hide the version: nginx "server_tokens off;", Apache "ServerTokens Prod" and "ServerSignature Off".'
            : `Remove the ${headerLabel(name)} header (PHP: expose_php = Off; Express: app.disable("x-powered-by")).`,
      });
    }
  }
  for (const generator of doc?.generators ?? []) {
    const products = productsIn(generator, 'generator tag');
    technologies.push(...products);
    if (products.some((p) => p.version)) {
      findings.push({
        id: 'security.version-disclosure:generator',
        category: 'security',
        severity: 'low',
        title: 'A generator tag discloses the CMS version',
        evidence: `<meta name="generator" content="${quote(generator)}">`,
        fix: 'Remove the generator meta tag (WordPress: remove_action("wp_head", "wp_generator")), and keep the CMS updated.',
      });
    }
  }
  for (const f of FINGERPRINTS) if (f.test(doc, cookies)) technologies.push({ name: f.name, source: 'fingerprint' });
  return { technologies: dedupe(technologies), findings };
}

const headerLabel = (name: string) => name.replace(/(^|-)(\w)/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

function dedupe(list: Technology[]): Technology[] {
  const seen = new Map<string, Technology>();
  for (const t of list) {
    const key = t.name.toLowerCase();
    const known = seen.get(key);
    if (!known || (!known.version && t.version)) seen.set(key, t);
  }
  return [...seen.values()];
}
