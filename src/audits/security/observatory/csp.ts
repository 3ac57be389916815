/**
 * Content-Security-Policy as the Mozilla HTTP Observatory (algorithm version 6) reads and scores it.
 * Our own code, written from the published behaviour, so that grades here match the Observatory's.
 */

export type CspMap = Map<string, Set<string>>;

class CspInvalid extends Error {}

const REPORT_DIRECTIVES = new Set(['report-uri', 'report-to']);
const META_FORBIDDEN = ['frame-ancestors', 'report-uri', 'sandbox'];
/** The Observatory refuses policies shorter than its shortest useful directive ("img-src" less one). */
const MIN_POLICY_LENGTH = 6;
const collate = new Intl.Collator('en').compare;

const DANGEROUSLY_BROAD = new Set(['ftp:', 'http:', 'https:', '*', 'http://*', 'http://*.*', 'https://*', 'https://*.*']);
const UNSAFE_INLINE = new Set(["'unsafe-inline'", 'data:']);
const BROAD_OR_INLINE = new Set([...DANGEROUSLY_BROAD, ...UNSAFE_INLINE]);
const PASSIVE = ['img-src', 'media-src'];
const NONCE_OR_HASH = ["'sha256-", "'sha384-", "'sha512-", "'nonce-"];

/** Header values may each hold several policies, separated by commas (RFC 9110 list syntax). */
const splitPolicies = (values: readonly string[]): string[] => values.flatMap((v) => v.split(',').map((s) => s.trim()));

interface Source {
  source: string;
  policy: number;
  keep: boolean;
}

/** Whether path `a` (a CSP source read as a path) covers `b`: equal, or `a` ends with "/" and is a prefix by segments. */
function pathCovers(a: string, b: string): boolean {
  if (a === '' || (a === '/' && b === '')) return true;
  const exact = !a.endsWith('/');
  const partsA = a.split('/');
  const partsB = b.split('/');
  if (partsA.length > partsB.length || (exact && partsA.length !== partsB.length)) return false;
  if (!exact) partsA.pop();
  return partsA.every((part, i) => decodeURIComponent(part) === decodeURIComponent(partsB[i]!));
}

/**
 * Parses one or more policies into directive → sources. Several policies all apply, so a source
 * counts only when every policy that has the directive allows it. Throws CspInvalid for a policy
 * that is empty, too short, or repeats a directive (report-uri and report-to excepted).
 */
export function parseCsp(policies: readonly string[]): { csp: CspMap; duplicateReports: boolean } {
  const clean = policies.map((p) => p.replace(/[\r\n]/g, '').trim());
  const merged = new Map<string, Source[]>();
  let duplicateReports = false;
  for (const text of clean) if (text.length < MIN_POLICY_LENGTH) throw new CspInvalid(`invalid policy "${text}"`);
  clean.forEach((text, index) => {
    const seen = new Set<string>();
    for (const entry of text.split(';')) {
      const [rawName, ...values] = entry.trim().split(/\s+/);
      if (!rawName) continue;
      const name = rawName.toLowerCase();
      if (seen.has(name)) {
        if (!REPORT_DIRECTIVES.has(name)) throw new CspInvalid(`directive ${name} appears twice in one policy`);
        duplicateReports = true;
      }
      seen.add(name);
      const first = index === 0;
      const sources: Source[] = values.map((v) => ({ source: v.trim().toLowerCase(), policy: index, keep: first }));
      if (values.length === 0 && name.endsWith('-src')) sources.push({ source: "'none'", policy: index, keep: first });
      const combined = first ? sources : [...(merged.get(name) ?? []), ...sources];
      combined.sort((a, b) => collate(a.source, b.source));
      for (let i = 1; i < combined.length; i++) {
        const prev = combined[i - 1]!;
        const cur = combined[i]!;
        // Within one policy a longer source after its own prefix adds nothing; across policies a
        // source survives only when the other policy has one that covers it.
        if (cur.policy === prev.policy && cur.source.startsWith(prev.source)) cur.keep = false;
        if (cur.policy !== prev.policy && pathCovers(prev.source, cur.source)) cur.keep = true;
      }
      const kept = combined.filter((s) => s.keep);
      merged.set(name, kept);
      if (first && clean.length > 1) for (const s of kept) s.keep = false;
    }
  });
  const csp: CspMap = new Map();
  for (const [name, sources] of merged) csp.set(name, new Set(sources.length ? sources.map((s) => s.source) : ["'none'"]));
  return { csp, duplicateReports };
}

export interface CspVerdict {
  result: string;
  /** The effective policy, for evidence and for the X-Frame-Options test (frame-ancestors). */
  csp: CspMap | null;
}

const hasNonceOrHash = (sources: Set<string>) => [...sources].some((s) => NONCE_OR_HASH.some((p) => s.startsWith(p)));

/**
 * The Observatory's CSP result for a response: its policy headers, any `<meta http-equiv>` policies,
 * whether a Report-Only header exists, and whether the page is served over HTTPS.
 */
export function cspTest(headerValues: readonly string[], metaValues: readonly string[], reportOnly: boolean, https: boolean): CspVerdict {
  const httpPolicies = splitPolicies(headerValues);
  const metaPolicies = splitPolicies(metaValues);
  let csp: CspMap;
  let duplicateReports: boolean;
  try {
    ({ csp, duplicateReports } = parseCsp([...httpPolicies, ...metaPolicies]));
  } catch {
    return { result: 'csp-header-invalid', csp: null };
  }
  const headerOnly = safeParse(httpPolicies);
  const meta = safeParse(metaPolicies);
  for (const name of META_FORBIDDEN) meta.delete(name);
  if (headerOnly.size + meta.size === 0) return { result: reportOnly ? 'csp-not-implemented-but-reporting-enabled' : 'csp-not-implemented', csp: null };

  const any = () => new Set(['*']);
  // These are the map's own sets, changed in place below: the Observatory's later checks see the changes
  // wherever the same set is reached (default-src standing in for script-src, say).
  const scriptSrc = csp.get('script-src') ?? csp.get('default-src') ?? any();
  const styleSrc = csp.get('style-src') ?? csp.get('default-src') ?? any();
  const objectSrc = csp.get('object-src') ?? csp.get('default-src') ?? any();
  // A nonce or hash makes browsers ignore 'unsafe-inline' (it is only there for old browsers).
  for (const list of [scriptSrc, styleSrc]) if (hasNonceOrHash(list)) list.delete("'unsafe-inline'");

  // The first problem found, in the Observatory's order of checks, is the result.
  const found: string[] = [];
  const first = (r: string) => found.push(r);
  if (scriptSrc.has("'strict-dynamic'")) {
    if (!hasNonceOrHash(scriptSrc)) first('csp-header-invalid');
    // With 'strict-dynamic' browsers ignore host and scheme sources, 'self' and 'unsafe-inline'.
    else
      for (const s of [...scriptSrc]) if ([...DANGEROUSLY_BROAD].some((b) => s.startsWith(b)) || s === "'self'" || s === "'unsafe-inline'") scriptSrc.delete(s);
  }
  const active = [...csp].filter(([d]) => !PASSIVE.includes(d) && d !== 'script-src').flatMap(([, s]) => [...s]);
  active.push(...scriptSrc);
  const passive = PASSIVE.flatMap((d) => [...(csp.get(d) ?? csp.get('default-src') ?? new Set<string>())]);
  const insecure = (s: string) => s.startsWith('http:') || s.startsWith('ftp:');

  if ([...scriptSrc].some((s) => BROAD_OR_INLINE.has(s)) || [...objectSrc].some((s) => DANGEROUSLY_BROAD.has(s))) first('csp-implemented-with-unsafe-inline');
  if (https && active.some(insecure)) first('csp-implemented-with-insecure-scheme');
  if (scriptSrc.has("'unsafe-eval'") || styleSrc.has("'unsafe-eval'")) first('csp-implemented-with-unsafe-eval');
  if (https && passive.some(insecure)) first('csp-implemented-with-insecure-scheme-in-passive-content-only');
  if ([...styleSrc].some((s) => BROAD_OR_INLINE.has(s))) first('csp-implemented-with-unsafe-inline-in-style-src-only');
  const defaultSrc = csp.get('default-src');
  first(defaultSrc?.has("'none'") && defaultSrc.size === 1 ? 'csp-implemented-with-no-unsafe-default-src-none' : 'csp-implemented-with-no-unsafe');

  const passing = [
    'csp-implemented-with-no-unsafe',
    'csp-implemented-with-no-unsafe-default-src-none',
    'csp-implemented-with-unsafe-inline-in-style-src-only',
    'csp-implemented-with-insecure-scheme-in-passive-content-only',
  ];
  const final = found[0]!;
  return { result: passing.includes(final) && duplicateReports ? 'csp-implemented-but-duplicate-directives' : final, csp };
}

function safeParse(policies: readonly string[]): CspMap {
  try {
    return parseCsp(policies).csp;
  } catch {
    return new Map();
  }
}
