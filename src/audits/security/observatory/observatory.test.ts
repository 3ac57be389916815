import { describe, expect, it } from 'vitest';
import { parseHtml } from '../../html.js';
import { CookieJar } from './content.js';
import { parseCsp } from './csp.js';
import { gradeHeaders, type ObservatoryInput, type ObservedResponse } from './index.js';
import { observatoryGrade } from './score.js';

const site = new URL('https://shop.example.com/');
const ORIGIN = 'https://audit.upkeep.invalid';

/** A site that does everything right; each case below changes one or two things. */
const perfect = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
} as Record<string, string | string[] | undefined>;

interface Case {
  name: string;
  headers?: Record<string, string | string[] | undefined>;
  html?: string;
  route?: string[];
  httpsVerified?: boolean;
  noHttps?: boolean;
  cors?: Record<string, string | string[]>;
  score: number;
  grade: string;
}

function response(url: URL, headers: Record<string, string | string[] | undefined>, verified = true): ObservedResponse {
  const clean: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) clean[k] = Array.isArray(v) ? v : [v];
  return { url, status: 200, headers: clean, verified };
}

function input(c: Case): ObservatoryInput {
  const headers = { ...perfect, ...c.headers };
  const route = (c.route ?? ['http://shop.example.com/', 'https://shop.example.com/']).map((u) => new URL(u));
  const base = c.noHttps ? new URL('http://shop.example.com/') : site;
  const auto = response(base, headers, c.httpsVerified ?? true);
  const jar = new CookieJar();
  for (const raw of auto.headers['set-cookie'] ?? []) jar.add(raw, base);
  return {
    auto,
    https: c.noHttps ? null : auto,
    http: response(route.at(-1)!, {}, true),
    httpRoute: route,
    cors: c.cors ? response(site, c.cors) : null,
    corsOrigin: ORIGIN,
    jar: jar.all(),
    doc: parseHtml(c.html ?? '<!doctype html><title>Shop</title><p>Hello</p>'),
  };
}

const none = Object.fromEntries(Object.keys(perfect).map((k) => [k, undefined]));

// Expected scores worked out by hand from the Observatory's published modifiers (100 to start,
// bonuses only when penalties leave 90 or more, grades in steps of five).
const cases: Case[] = [
  { name: 'everything right', score: 120, grade: 'A+' },
  { name: 'plain HTTP site with no headers at all', headers: none, noHttps: true, route: ['http://shop.example.com/'], score: 10, grade: 'F' },
  { name: 'HTTPS and redirect but no headers', headers: none, score: 30, grade: 'D' },
  { name: "CSP default-src 'self' with XFO DENY", headers: { 'content-security-policy': "default-src 'self'" }, score: 115, grade: 'A+' },
  {
    name: "CSP with 'unsafe-inline' scripts",
    headers: { 'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-inline'" },
    score: 80,
    grade: 'B+',
  },
  { name: "CSP with 'unsafe-eval'", headers: { 'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-eval'" }, score: 100, grade: 'A+' },
  {
    name: "CSP with 'unsafe-inline' styles only",
    headers: { 'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'" },
    score: 110,
    grade: 'A+',
  },
  {
    name: 'CSP nonce makes unsafe-inline harmless',
    headers: { 'content-security-policy': "script-src 'nonce-abc' 'unsafe-inline'; object-src 'none'" },
    score: 110,
    grade: 'A+',
  },
  {
    name: "'strict-dynamic' without nonce is invalid",
    headers: { 'content-security-policy': "default-src 'self'; script-src 'strict-dynamic' 'self'" },
    score: 75,
    grade: 'B',
  },
  {
    name: 'CSP only as Report-Only',
    headers: { 'content-security-policy': undefined, 'content-security-policy-report-only': "default-src 'self'" },
    score: 75,
    grade: 'B',
  },
  { name: 'CSP allows http: scripts on HTTPS', headers: { 'content-security-policy': "default-src 'self' http://cdn.example.com" }, score: 80, grade: 'B+' },
  {
    name: 'CSP allows http: images only',
    headers: { 'content-security-policy': "default-src 'self'; img-src 'self' http://img.example.com" },
    score: 100,
    grade: 'A+',
  },
  { name: 'CSP repeats a directive', headers: { 'content-security-policy': "default-src 'self'; default-src 'none'" }, score: 75, grade: 'B' },
  { name: 'session cookie without HttpOnly or Secure, HSTS on', headers: { 'set-cookie': 'sessionid=abc; Path=/' }, score: 70, grade: 'B' },
  {
    name: 'session cookie without Secure and no HSTS',
    headers: { 'set-cookie': 'sessionid=abc; HttpOnly', 'strict-transport-security': undefined },
    score: 40,
    grade: 'D+',
  },
  { name: 'cookies with every flag', headers: { 'set-cookie': 'sessionid=abc; Secure; HttpOnly; SameSite=Lax' }, score: 125, grade: 'A+' },
  { name: 'secure cookies without SameSite', headers: { 'set-cookie': 'sessionid=abc; Secure; HttpOnly' }, score: 120, grade: 'A+' },
  { name: 'cookie with an invalid SameSite', headers: { 'set-cookie': 'pref=1; Secure; SameSite=Bogus' }, score: 80, grade: 'B+' },
  {
    name: 'CORS reflects the origin with credentials',
    cors: { 'access-control-allow-origin': ORIGIN, 'access-control-allow-credentials': 'true' },
    score: 50,
    grade: 'C',
  },
  { name: 'CORS open to everyone without credentials', cors: { 'access-control-allow-origin': '*' }, score: 120, grade: 'A+' },
  { name: 'no redirect from HTTP', route: ['http://shop.example.com/'], score: 80, grade: 'B+' },
  {
    name: 'first redirect stays on HTTP',
    route: ['http://shop.example.com/', 'http://shop.example.com/home', 'https://shop.example.com/home'],
    score: 110,
    grade: 'A+',
  },
  { name: 'HTTP redirects to HTTPS on another host', route: ['http://example.com/', 'https://shop.example.com/'], score: 115, grade: 'A+' },
  { name: 'HSTS shorter than six months', headers: { 'strict-transport-security': 'max-age=300' }, score: 110, grade: 'A+' },
  { name: 'HSTS sent twice', headers: { 'strict-transport-security': 'max-age=300, max-age=600' }, score: 80, grade: 'B+' },
  // Lines sent twice are folded into one value (as the Observatory's HTTP client does) and so read as invalid.
  { name: 'HSTS sent as two lines', headers: { 'strict-transport-security': ['max-age=63072000', 'max-age=63072000'] }, score: 80, grade: 'B+' },
  {
    name: 'X-Frame-Options sent as two lines, no frame-ancestors',
    headers: { 'content-security-policy': "default-src 'self'", 'x-frame-options': ['DENY', 'DENY'] },
    score: 80,
    grade: 'B+',
  },
  { name: 'X-Content-Type-Options sent as two lines', headers: { 'x-content-type-options': ['nosniff', 'nosniff'] }, score: 115, grade: 'A+' },
  {
    name: 'CORS origin reflected twice with credentials is no origin at all',
    cors: { 'access-control-allow-origin': [ORIGIN, ORIGIN], 'access-control-allow-credentials': 'true' },
    score: 120,
    grade: 'A+',
  },
  { name: 'certificate does not verify', httpsVerified: false, score: 80, grade: 'B+' },
  { name: 'unsafe Referrer-Policy', headers: { 'referrer-policy': 'unsafe-url' }, score: 110, grade: 'A+' },
  {
    name: 'meta referrer overrides an unsafe header',
    headers: { 'referrer-policy': 'unsafe-url' },
    html: '<meta name="referrer" content="no-referrer"><p>x</p>',
    score: 120,
    grade: 'A+',
  },
  { name: 'X-Content-Type-Options misspelt', headers: { 'x-content-type-options': 'nosnif' }, score: 115, grade: 'A+' },
  {
    name: 'XFO ALLOW-FROM without frame-ancestors',
    headers: { 'content-security-policy': "default-src 'self'", 'x-frame-options': 'ALLOW-FROM https://x.example' },
    score: 110,
    grade: 'A+',
  },
  { name: 'no XFO and no frame-ancestors', headers: { 'content-security-policy': "default-src 'self'", 'x-frame-options': undefined }, score: 80, grade: 'B+' },
  { name: 'external script over HTTPS without SRI', html: '<script src="https://cdn.other.net/lib.js"></script>', score: 115, grade: 'A+' },
  { name: 'external script over HTTP without SRI', html: '<script src="http://cdn.other.net/lib.js"></script>', score: 50, grade: 'C' },
  {
    name: 'external script with SRI',
    html: '<script src="https://cdn.other.net/lib.js" integrity="sha384-abc" crossorigin="anonymous"></script>',
    score: 125,
    grade: 'A+',
  },
  {
    name: 'CORP, COOP and COEP all strict',
    headers: { 'cross-origin-resource-policy': 'same-origin', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
    score: 150,
    grade: 'A+',
  },
  { name: 'COOP sent twice', headers: { 'cross-origin-opener-policy': ['same-origin', 'unsafe-none'] }, score: 115, grade: 'A+' },
  { name: 'CORP misspelt', headers: { 'cross-origin-resource-policy': 'same-orign' }, score: 115, grade: 'A+' },
  {
    name: 'a typical CMS: HSTS, XFO, nosniff, no CSP',
    headers: {
      'content-security-policy': undefined,
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': undefined,
      'set-cookie': 'wordpress_test_cookie=WP; path=/; secure',
    },
    score: 75,
    grade: 'B',
  },
];

describe('Mozilla HTTP Observatory scoring (algorithm version 6)', () => {
  it.each(cases)('$name → $score ($grade)', (c) => {
    const graded = gradeHeaders(input(c));
    expect({ score: graded.score, grade: graded.grade }, graded.tests.map((t) => `${t.result} ${t.modifier}`).join('\n')).toEqual({
      score: c.score,
      grade: c.grade,
    });
  });

  it('maps scores to grades in steps of five', () => {
    const table = [150, 100, 99, 90, 89, 85, 84, 80, 79, 70, 69, 65, 64, 60, 59, 50, 49, 45, 44, 40, 39, 30, 29, 25, 24, 0, -20].map(
      (s) => `${s}:${observatoryGrade(s)}`,
    );
    expect(table.join(' ')).toBe(
      '150:A+ 100:A+ 99:A 90:A 89:A- 85:A- 84:B+ 80:B+ 79:B 70:B 69:B- 65:B- 64:C+ 60:C+ 59:C 50:C 49:C- 45:C- 44:D+ 40:D+ 39:D 30:D 29:D- 25:D- 24:F 0:F -20:F',
    );
  });

  it('keeps only sources every policy allows when a site sends two policies', () => {
    const { csp } = parseCsp(["default-src 'self' https://cdn.example.com; img-src *", "default-src 'self'"]);
    expect([...csp.get('default-src')!]).toEqual(["'self'"]);
    expect([...csp.get('img-src')!]).toEqual(['*']);
  });
});
