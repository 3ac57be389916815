/**
 * The header tests of the Mozilla HTTP Observatory (algorithm version 6), each returning the
 * Observatory's result name. Our own code, written from the published behaviour.
 */

/** One HTTP response as the tests see it: lower-case header names, every value kept. */
export interface ObservedResponse {
  url: URL;
  status: number;
  headers: Record<string, string[]>;
  /** False when an HTTPS hop on the way had a certificate that did not verify. */
  verified: boolean;
}

export const header = (res: ObservedResponse | null, name: string): string[] => res?.headers[name] ?? [];

/**
 * A header as the Observatory reads it: Node's HTTP client folds lines sent twice into one value
 * joined by ", " (as RFC 9110 allows for list headers), so `X-Frame-Options: DENY` sent twice is
 * read as "DENY, DENY", which no test accepts. Browsers likewise ignore such doubled singletons.
 */
export const folded = (res: ObservedResponse | null, name: string): string | undefined => {
  const values = header(res, name);
  return values.length ? values.join(', ') : undefined;
};

/** Picks the result that is worse on `order` (later is worse); the Observatory keeps a test's worst finding. */
export function worse(current: string | null, next: string, order: readonly string[]): string {
  return current === null || order.indexOf(next) > order.indexOf(current) ? next : current;
}

/** Observatory tolerates 15552000 as "six months" because so many sites send it. */
const SIX_MONTHS = 15_552_000;

export function hstsTest(https: ObservedResponse | null): { result: string; pass: boolean; maxAge?: number } {
  if (!https) return { result: 'hsts-not-implemented-no-https', pass: false };
  if (!https.verified) return { result: 'hsts-invalid-cert', pass: false };
  const value = folded(https, 'strict-transport-security');
  if (value === undefined) return { result: 'hsts-not-implemented', pass: false };
  const text = value.slice(0, 1024);
  // A comma means the header was sent twice and folded together: browsers ignore such a header.
  if (text.includes(',')) return { result: 'hsts-header-invalid', pass: false };
  let maxAge: number | undefined;
  for (const part of text.split(';').map((p) => p.trim().toLowerCase())) {
    if (part.startsWith('max-age=')) maxAge = Number.parseInt(part.slice(8, 128), 10);
  }
  if (maxAge === undefined) return { result: 'hsts-header-invalid', pass: false };
  // parseInt of garbage is NaN, which compares false: the Observatory then counts it as six months.
  const result = maxAge < SIX_MONTHS ? 'hsts-implemented-max-age-less-than-six-months' : 'hsts-implemented-max-age-at-least-six-months';
  return { result, pass: result === 'hsts-implemented-max-age-at-least-six-months', maxAge };
}

/** `route` is the HTTP request followed hop by hop: the first URL asked for, then every redirect target. */
export function redirectionTest(http: ObservedResponse | null, route: readonly URL[]): string {
  if (!http) return 'redirection-not-needed-no-http';
  if (!http.verified) return 'redirection-invalid-cert';
  if (route.length <= 1) return 'redirection-missing';
  if (route.at(-1)!.protocol !== 'https:') return 'redirection-not-to-https';
  if (route[1]!.protocol === 'http:') return 'redirection-not-to-https-on-initial-redirection';
  if (route[0]!.protocol === 'http:' && route[0]!.hostname !== route[1]!.hostname) return 'redirection-off-host-from-http';
  return 'redirection-to-https';
}

const REFERRER_PRIVATE = ['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'];
const REFERRER_UNSAFE = ['origin', 'origin-when-cross-origin', 'unsafe-url', 'no-referrer-when-downgrade'];

export function referrerPolicyTest(auto: ObservedResponse | null, metaValues: readonly string[]): string {
  const values = [...header(auto, 'referrer-policy'), ...metaValues];
  if (values.length === 0) return 'referrer-policy-not-implemented';
  // Browsers apply the last policy they understand; a meta tag comes after the header.
  const known = values
    .join(', ')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => REFERRER_PRIVATE.includes(v) || REFERRER_UNSAFE.includes(v));
  const policy = known.at(-1) ?? '';
  if (REFERRER_PRIVATE.includes(policy)) return 'referrer-policy-private';
  if (REFERRER_UNSAFE.includes(policy)) return 'referrer-policy-unsafe';
  return 'referrer-policy-header-invalid';
}

export function contentTypeOptionsTest(auto: ObservedResponse | null): string {
  const value = folded(auto, 'x-content-type-options');
  if (value === undefined) return 'x-content-type-options-not-implemented';
  return value.slice(0, 256).trim().toLowerCase() === 'nosniff' ? 'x-content-type-options-nosniff' : 'x-content-type-options-header-invalid';
}

export function frameOptionsTest(auto: ObservedResponse | null, cspHasFrameAncestors: boolean): string {
  if (cspHasFrameAncestors) return 'x-frame-options-implemented-via-csp';
  const value = folded(auto, 'x-frame-options');
  if (value === undefined) return 'x-frame-options-not-implemented';
  const xfo = value.slice(0, 1024).trim().toLowerCase();
  if (xfo === 'deny' || xfo === 'sameorigin') return 'x-frame-options-sameorigin-or-deny';
  if (xfo.startsWith('allow-from')) return 'x-frame-options-allow-from-origin';
  return 'x-frame-options-header-invalid';
}

/** `cors` is the answer to an OPTIONS preflight sent with `origin`. */
export function corsTest(cors: ObservedResponse | null, origin: string): string {
  const acao = folded(cors, 'access-control-allow-origin');
  if (!cors || !acao) return 'cross-origin-resource-sharing-not-implemented';
  if (acao.slice(0, 256).trim().toLowerCase() === '*') return 'cross-origin-resource-sharing-implemented-with-public-access';
  const credentials = folded(cors, 'access-control-allow-credentials');
  // Reflecting any Origin together with credentials lets every site read the user's data.
  if (acao === origin && credentials?.trim().toLowerCase() === 'true') return 'cross-origin-resource-sharing-implemented-with-universal-access';
  return 'cross-origin-resource-sharing-implemented-with-restricted-access';
}

export function resourcePolicyTest(auto: ObservedResponse | null, metaValues: readonly string[]): string {
  const fromHeader = header(auto, 'cross-origin-resource-policy').join(', ');
  const value = fromHeader ? fromHeader : metaValues.at(-1);
  if (!value) return 'corp-not-implemented';
  switch (value.slice(0, 256).trim().toLowerCase()) {
    case 'same-site':
      return 'corp-implemented-with-same-site';
    case 'same-origin':
      return 'corp-implemented-with-same-origin';
    case 'cross-origin':
      return 'corp-implemented-with-cross-origin';
    default:
      return 'corp-header-invalid';
  }
}

/** The token of a Structured Field item ("same-origin; report-to=x" → "same-origin"), or null when it is no token. */
function structuredToken(value: string): string | null {
  const item = value.split(';', 1)[0]!.trim();
  return /^[a-z*][a-z0-9_\-.:%*/!#$&'+^`|~]*$/i.test(item) ? item : null;
}

function policyHeaderTest(auto: ObservedResponse | null, name: string, prefix: string, values: readonly string[]): string {
  const sent = header(auto, name);
  if (sent.length === 0) return `${prefix}-not-implemented`;
  if (sent.length > 1) return `${prefix}-header-invalid`;
  const token = structuredToken(sent[0]!.slice(0, 1024).trim());
  return token !== null && values.includes(token) ? `${prefix}-implemented-with-${token}` : `${prefix}-header-invalid`;
}

export const openerPolicyTest = (auto: ObservedResponse | null) =>
  policyHeaderTest(auto, 'cross-origin-opener-policy', 'coop', ['same-origin', 'same-origin-allow-popups', 'noopener-allow-popups', 'unsafe-none']);

export const embedderPolicyTest = (auto: ObservedResponse | null) =>
  policyHeaderTest(auto, 'cross-origin-embedder-policy', 'coep', ['require-corp', 'credentialless', 'unsafe-none']);
