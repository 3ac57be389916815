import { parallel } from '../concurrency.js';
import type { AuditContext } from '../context.js';
import { resolveUrl } from '../html.js';
import { isHttpResult } from '../net.js';
import { emptyResult, type CategoryResult, type Finding } from '../types.js';
import { disclosure } from './disclosure.js';
import { exposedFiles } from './exposed-files.js';
import { isSessionCookie, type JarCookie } from './observatory/content.js';
import { gradeHeaders, observatoryFindings } from './observatory/index.js';
import { hstsTest } from './observatory/headers.js';
import { OBSERVATORY_ALGORITHM_VERSION } from './observatory/score.js';
import { detect, loadRepository, vulnerableLibraries, type DetectedLibrary, type RetireIndex } from './retire.js';
import { counterpart, retrieve } from './retrieve.js';
import { gradeTls, tlsFindings } from './tls-grade.js';
import { scanTls } from './tls.js';

const MAX_SCRIPTS = 30;
const ACTIVE_TAGS = new Set(['script', 'iframe', 'link', 'object', 'embed']);

/** Headers (Observatory), TLS (SSL Labs-style), exposed files, vulnerable libraries, disclosure, mixed content. */
export async function securityAudit(ctx: AuditContext): Promise<CategoryResult> {
  const result = emptyResult();
  ctx.step('security', 'fetching the site over HTTP and HTTPS');
  const got = await retrieve(ctx.net, ctx.url, ctx.ports);
  const headers = gradeHeaders(got.observatory);
  result.scores.security = headers.score;
  result.grades.security = headers.grade;
  result.findings.push(...observatoryFindings(headers), ...sessionCookieFindings(got.observatory.jar, got.pageUrl));

  ctx.step('security', 'probing for exposed files');
  result.findings.push(...(await exposedFiles(ctx.net, new URL('/', got.pageUrl))));

  const disclosed = disclosure(got.page, got.doc, got.observatory.jar);
  result.findings.push(...disclosed.findings);
  ctx.step('security', 'checking JavaScript libraries');
  const repo = loadRepository(ctx.dataDir);
  const libraries = await scriptLibraries(ctx, repo, got.doc?.scripts.flatMap((s) => (s.src ? [s.src] : [])) ?? [], got.pageUrl);
  result.findings.push(...vulnerableLibraries(repo, libraries));
  result.facts.technologies = [...disclosed.technologies, ...libraries.map((l) => ({ name: l.name, version: l.version, source: l.url }))];
  if (got.pageUrl.protocol === 'https:') result.findings.push(...mixedContent(got.doc?.resources ?? [], got.pageUrl));

  const https = got.observatory.https ? got.observatory.https.url : counterpart(ctx.url, 'https:', ctx.ports.https);
  if (got.observatory.https) {
    ctx.step('security', `testing TLS on ${https.host}`);
    const scan = await scanTls(ctx.net, https.hostname.replace(/^\[|\]$/g, ''), Number(https.port || 443));
    if (scan) {
      const tls = gradeTls(scan, hstsTest(got.observatory.https).maxAge);
      result.grades.tls = tls.grade;
      result.scores.tls = tls.score;
      result.findings.push(...tlsFindings(scan));
      const c = scan.certificate;
      result.facts.certificate = { fingerprint256: c.fingerprint256, subject: c.subject, issuer: c.issuer, validTo: c.validTo };
      result.artifacts.push({ name: 'tls.json', contentType: 'application/json', content: JSON.stringify({ ...scan, grade: tls }, null, 2) });
    }
  }
  result.artifacts.push({
    name: 'security-headers.json',
    contentType: 'application/json',
    content: JSON.stringify(
      {
        url: got.pageUrl.href,
        algorithmVersion: OBSERVATORY_ALGORITHM_VERSION,
        score: headers.score,
        grade: headers.grade,
        tests: headers.tests,
        headers: got.observatory.auto.headers,
      },
      null,
      2,
    ),
  });
  return result;
}

/** Libraries in the page's scripts: by URL, then by content for scripts whose URL says nothing. */
async function scriptLibraries(ctx: AuditContext, repo: RetireIndex, sources: string[], page: URL): Promise<DetectedLibrary[]> {
  const urls = [...new Set(sources.map((s) => resolveUrl(s, page.href)?.href).filter((u): u is string => u !== undefined && /^https?:/.test(u)))].slice(
    0,
    MAX_SCRIPTS,
  );
  const found = await parallel(urls, 4, async (url) => {
    const byUrl = detect(repo, url);
    if (byUrl.length) return byUrl;
    const res = await ctx.net.tryFetch(url, { maxBodyBytes: 1024 * 1024, insecure: true });
    return isHttpResult(res) && res.status === 200 ? detect(repo, url, res.body) : [];
  });
  return found.flat();
}

/**
 * One finding per session cookie that lacks a protective flag, naming the flags: the Observatory's
 * cookie test reports only the worst problem of all cookies together.
 */
function sessionCookieFindings(jar: readonly JarCookie[], page: URL): Finding[] {
  return jar.flatMap((c) => {
    if (!isSessionCookie(c.name)) return [];
    const missing = [!c.httpOnly && 'HttpOnly', !c.secure && 'Secure', !c.sameSite && 'SameSite'].filter((m): m is string => Boolean(m));
    if (missing.length === 0) return [];
    const finding: Finding = {
      id: `security.cookie-flags:${c.name}`,
      category: 'security',
      severity: missing.includes('HttpOnly') || (missing.includes('Secure') && page.protocol === 'https:') ? 'high' : 'medium',
      title: `Session cookie ${c.name} is missing ${missing.join(', ')}`,
      evidence: `Set-Cookie from ${c.setBy}: ${c.name}=…; ${[c.httpOnly && 'HttpOnly', c.secure && 'Secure', c.sameSite && `SameSite=${c.sameSite}`].filter(Boolean).join('; ') || 'no flags'}`,
      fix: `Set the cookie with ${missing.map((m) => (m === 'SameSite' ? 'SameSite=Lax' : m)).join('; ')} (PHP: session.cookie_httponly, session.cookie_secure, session.cookie_samesite).`,
    };
    return [finding];
  });
}

/** Resources an HTTPS page loads over plain HTTP: browsers block active ones and warn about the rest. */
function mixedContent(resources: readonly { url: string; tag: string }[], page: URL): Finding[] {
  const insecure = resources.filter((r) => resolveUrl(r.url, page.href)?.protocol === 'http:');
  const active = insecure.filter((r) => ACTIVE_TAGS.has(r.tag));
  const passive = insecure.filter((r) => !ACTIVE_TAGS.has(r.tag));
  const out: Finding[] = [];
  const list = (rs: typeof insecure) =>
    rs
      .slice(0, 10)
      .map((r) => `<${r.tag}> ${r.url}`)
      .join(', ');
  if (active.length) {
    out.push({
      id: 'security.mixed-content.active',
      category: 'security',
      severity: 'high',
      title: `${active.length} script${active.length === 1 ? '' : 's'}, frame${active.length === 1 ? '' : 's'} or stylesheet${active.length === 1 ? '' : 's'} load over plain HTTP on an HTTPS page`,
      evidence: list(active),
      fix: 'Load every resource over https:// (browsers block these, so parts of the page are broken).',
    });
  }
  if (passive.length) {
    out.push({
      id: 'security.mixed-content.passive',
      category: 'security',
      severity: 'low',
      title: `${passive.length} image${passive.length === 1 ? '' : 's'} or media file${passive.length === 1 ? '' : 's'} load over plain HTTP on an HTTPS page`,
      evidence: list(passive),
      fix: 'Load images and media over https://; browsers upgrade or block them and show the page as not fully secure.',
    });
  }
  return out;
}
