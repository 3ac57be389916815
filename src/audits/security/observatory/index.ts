import type { PageDoc } from '../../html.js';
import type { Finding, Severity } from '../../types.js';
import { ADVICE } from './advice.js';
import { cookiesTest, sriTest, type JarCookie } from './content.js';
import { cspTest } from './csp.js';
import {
  contentTypeOptionsTest,
  corsTest,
  embedderPolicyTest,
  frameOptionsTest,
  header,
  hstsTest,
  openerPolicyTest,
  redirectionTest,
  referrerPolicyTest,
  resourcePolicyTest,
  type ObservedResponse,
} from './headers.js';
import { MODIFIERS, observatoryScore } from './score.js';

export type { ObservedResponse } from './headers.js';

/** Everything the Observatory looks at, gathered by the retriever (or written by hand in tests). */
export interface ObservatoryInput {
  /** The response the site is judged on: HTTPS when it answers, else HTTP. */
  auto: ObservedResponse;
  https: ObservedResponse | null;
  /** The final response of the plain-HTTP visit, and the URLs it went through. */
  http: ObservedResponse | null;
  httpRoute: URL[];
  /** The answer to a CORS preflight sent with `corsOrigin`. */
  cors: ObservedResponse | null;
  corsOrigin: string;
  jar: JarCookie[];
  /** The auto response's body parsed, or null when it is not HTML. */
  doc: PageDoc | null;
}

export interface ObservatoryTest {
  name: string;
  result: string;
  modifier: number;
  /** What the result was read from, for the finding's evidence. */
  evidence: string;
}

export interface ObservatoryGrade {
  score: number;
  grade: string;
  tests: ObservatoryTest[];
}

const quote = (values: readonly string[]) => (values.length ? values.map((v) => `"${v.slice(0, 300)}"`).join(', ') : 'not sent');

/** Runs every test of the Observatory and adds up the score. */
export function gradeHeaders(input: ObservatoryInput): ObservatoryGrade {
  const { auto, doc } = input;
  const meta = (name: string) => doc?.httpEquiv.get(name) ?? [];
  const https = auto.url.protocol === 'https:';
  const csp = cspTest(
    header(auto, 'content-security-policy'),
    meta('content-security-policy'),
    header(auto, 'content-security-policy-report-only').length > 0,
    https,
  );
  const hsts = hstsTest(input.https);
  const sri = sriTest(doc, auto.url);
  const cookieDesc = input.jar.map(
    (c) => `${c.name} (${[c.secure && 'Secure', c.httpOnly && 'HttpOnly', c.sameSite && `SameSite=${c.sameSite}`].filter(Boolean).join('; ') || 'no flags'})`,
  );
  const raw: [string, string, string][] = [
    [
      'content-security-policy',
      csp.result,
      `Content-Security-Policy: ${quote([...header(auto, 'content-security-policy'), ...meta('content-security-policy')])}`,
    ],
    ['cookies', cookiesTest(input.jar, header(auto, 'set-cookie'), hsts.pass), cookieDesc.length ? `cookies: ${cookieDesc.join(', ')}` : 'no cookies'],
    [
      'cross-origin-resource-sharing',
      corsTest(input.cors, input.corsOrigin),
      `Access-Control-Allow-Origin: ${quote(header(input.cors, 'access-control-allow-origin'))}`,
    ],
    ['redirection', redirectionTest(input.http, input.httpRoute), `route: ${input.httpRoute.map((u) => u.href).join(' → ') || 'HTTP not reachable'}`],
    [
      'referrer-policy',
      referrerPolicyTest(auto, meta('referrer-policy')),
      `Referrer-Policy: ${quote([...header(auto, 'referrer-policy'), ...meta('referrer-policy')])}`,
    ],
    ['strict-transport-security', hsts.result, `Strict-Transport-Security: ${quote(header(input.https, 'strict-transport-security'))}`],
    ['subresource-integrity', sri.result, sri.external.length ? `external scripts: ${sri.external.slice(0, 10).join(', ')}` : 'no external scripts'],
    ['x-content-type-options', contentTypeOptionsTest(auto), `X-Content-Type-Options: ${quote(header(auto, 'x-content-type-options'))}`],
    ['x-frame-options', frameOptionsTest(auto, Boolean(csp.csp?.has('frame-ancestors'))), `X-Frame-Options: ${quote(header(auto, 'x-frame-options'))}`],
    [
      'cross-origin-resource-policy',
      resourcePolicyTest(auto, meta('cross-origin-resource-policy')),
      `Cross-Origin-Resource-Policy: ${quote(header(auto, 'cross-origin-resource-policy'))}`,
    ],
    ['cross-origin-opener-policy', openerPolicyTest(auto), `Cross-Origin-Opener-Policy: ${quote(header(auto, 'cross-origin-opener-policy'))}`],
    ['cross-origin-embedder-policy', embedderPolicyTest(auto), `Cross-Origin-Embedder-Policy: ${quote(header(auto, 'cross-origin-embedder-policy'))}`],
  ];
  const tests = raw.map(([name, result, evidence]) => ({ name, result, modifier: MODIFIERS[result] ?? 0, evidence }));
  return { ...observatoryScore(tests.map((t) => t.result)), tests };
}

const severityOf = (modifier: number): Severity => (modifier <= -30 ? 'high' : modifier <= -20 ? 'medium' : 'low');

/** A finding for every test that cost points. */
export function observatoryFindings(grade: ObservatoryGrade): Finding[] {
  return grade.tests
    .filter((t) => t.modifier < 0)
    .map((t) => {
      const advice = ADVICE[t.result] ?? { title: t.result, fix: 'See the Mozilla HTTP Observatory documentation for this result.' };
      return {
        id: `security.headers.${t.result}`,
        category: 'security',
        severity: severityOf(t.modifier),
        title: advice.title,
        evidence: `${t.evidence} (${t.modifier} points)`,
        fix: advice.fix,
      };
    });
}
