import type { StoredAudit } from '../audit.service.js';
import { auditCategories, severities, type Artifact, type AuditCategory, type Finding, type Severity } from '../types.js';
import { REPORT_CSS } from './style.js';

/** Escapes text for HTML: every value in the report comes from the audited site and is untrusted. */
const esc = (text: unknown) => String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const CATEGORY_NAMES: Record<AuditCategory, string> = {
  security: 'Security',
  performance: 'Performance',
  privacy: 'Privacy (GDPR)',
  accessibility: 'Accessibility',
  links: 'Links',
};
const CATEGORY_INTRO: Record<AuditCategory, string> = {
  security:
    'How well the site protects visitors and itself: HTTP security headers graded as Mozilla’s HTTP Observatory does, the TLS certificate and setup, files that should not be public, and outdated JavaScript libraries.',
  performance: 'How fast the page loads on a phone and on a desktop, measured by Google Lighthouse in Chromium (the middle one of several runs).',
  privacy: 'What the page does before a visitor agrees to anything: which other companies it contacts, which cookies it sets, and whether it asks.',
  accessibility: 'Whether people using screen readers, keyboards or magnification can use the page (WCAG 2.2, levels A and AA, checked with axe-core).',
  links: 'Whether the links on the site lead somewhere: broken links, long redirect chains and links that leave HTTPS.',
};
const SEVERITY_WORDS: Record<Severity, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info' };
const SCORE_NAMES: Record<string, string> = {
  security: 'Security headers',
  tls: 'TLS setup',
  performance: 'Performance (mobile)',
  'performance-desktop': 'Performance (desktop)',
  privacy: 'Privacy',
  accessibility: 'Accessibility',
  links: 'Working links',
};

function tone(score: number | undefined, grade: string | undefined): 'good' | 'fair' | 'poor' {
  if (grade) return /^A/.test(grade) ? 'good' : /^[BC]/.test(grade) ? 'fair' : 'poor';
  if (score === undefined) return 'fair';
  return score >= 90 ? 'good' : score >= 50 ? 'fair' : 'poor';
}

function summary(audit: StoredAudit): string {
  const counts = severities.map((s) => [s, audit.findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  if (audit.findings.length === 0) return 'No problems were found. Keep it that way: Upkeep will tell you when something changes.';
  const urgent = audit.findings.filter((f) => f.severity === 'critical' || f.severity === 'high').length;
  const parts = counts.map(([s, n]) => `${n} ${SEVERITY_WORDS[s].toLowerCase()}`).join(', ');
  return `${audit.findings.length} thing${audit.findings.length === 1 ? '' : 's'} to look at (${parts}).${urgent ? ` Start with the ${urgent} marked critical or high: they put visitors or the site at risk now.` : ''}`;
}

function scoreCards(audit: StoredAudit): string {
  const names = Object.keys(SCORE_NAMES).filter((k) => audit.scores[k] !== undefined || audit.grades[k] !== undefined);
  return names
    .map((k) => {
      const grade = audit.grades[k];
      const score = audit.scores[k];
      const big = grade ?? String(score);
      return `<div class="card ${tone(score, grade)}"><div class="big">${esc(big)}</div><div>${esc(SCORE_NAMES[k])}</div>${grade && score !== undefined ? `<div class="small">score ${esc(score)}</div>` : ''}</div>`;
    })
    .join('');
}

function findingHtml(f: Finding): string {
  return `<article class="finding"><div class="head"><span class="sev ${f.severity}">${SEVERITY_WORDS[f.severity]}</span><h3>${esc(f.title)}</h3></div>
<p class="fix"><strong>What to do:</strong> ${esc(f.fix)}</p>
<details><summary>What we saw</summary><pre>${esc(f.evidence)}</pre><p class="small">Finding id: <code>${esc(f.id)}</code></p></details></article>`;
}

function thirdPartyTable(audit: StoredAudit): string {
  const parties = audit.facts.thirdParties ?? [];
  if (!parties.length) return '';
  const rows = parties
    .map(
      (p) =>
        `<tr><td>${esc(p.entity ?? '')}</td><td>${esc(p.domain)}</td><td>${esc(p.categories.join(', '))}</td><td>${p.requests}</td><td>${esc(p.country ?? '')}</td></tr>`,
    )
    .join('');
  return `<h3>Other companies contacted before consent</h3><table><tr><th>Who</th><th>Domain</th><th>Kind</th><th>Requests</th><th>Country</th></tr>${rows}</table>`;
}

function performanceTable(audit: StoredAudit): string {
  const perf = audit.facts.performance ?? {};
  const labels: Record<string, string> = {
    'largest-contentful-paint': 'Largest Contentful Paint',
    'cumulative-layout-shift': 'Cumulative Layout Shift',
    'total-blocking-time': 'Total Blocking Time',
    'first-contentful-paint': 'First Contentful Paint',
  };
  const rows = Object.entries(labels)
    .map(([id, label]) => {
      const cells = Object.entries(perf).map(([, f]) => {
        const v = f.metrics[id];
        const band = f.vitals[id] ?? 'fair';
        return `<td class="${band}">${v === undefined ? '' : id === 'cumulative-layout-shift' ? v.toFixed(3) : `${(v / 1000).toFixed(2)} s`}</td>`;
      });
      return `<tr><td>${label}</td>${cells.join('')}</tr>`;
    })
    .join('');
  if (!Object.keys(perf).length) return '';
  return `<h3>Core Web Vitals (lab)</h3><table><tr><th></th>${Object.keys(perf)
    .map((ff) => `<th>${esc(ff)}</th>`)
    .join('')}</tr>${rows}</table>`;
}

/**
 * A one-file HTML report a site owner can read: plain-language summary, the scores as cards, then
 * each category with what to do first. Evidence stays one click away. No scripts, no external files.
 */
export function renderHtmlReport(audit: StoredAudit, artifacts: readonly Artifact[]): string {
  const screenshot = artifacts.find((a) => a.name === 'screenshot.png');
  const sections = auditCategories
    .filter((c) => audit.categories.includes(c))
    .map((c) => {
      const findings = audit.findings.filter((f) => f.category === c);
      const failed = audit.errors[c];
      const extra = c === 'privacy' ? thirdPartyTable(audit) : c === 'performance' ? performanceTable(audit) : '';
      const body = failed
        ? `<p class="error">This part could not run: ${esc(failed)}</p>`
        : findings.length
          ? findings.map(findingHtml).join('\n')
          : '<p class="ok">Nothing to fix here.</p>';
      return `<section><h2>${CATEGORY_NAMES[c]}</h2><p class="intro">${CATEGORY_INTRO[c]}</p>${extra}${body}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Website audit: ${esc(audit.url)}</title><style>${REPORT_CSS}</style></head>
<body><header><p class="small">Upkeep website audit</p><h1>${esc(audit.url)}</h1>
<p class="small">Checked ${esc(audit.startedAt.replace('T', ' ').slice(0, 16))} UTC · ${esc(audit.categories.map((c) => CATEGORY_NAMES[c]).join(', '))}</p></header>
<main><p class="summary">${esc(summary(audit))}</p><div class="cards">${scoreCards(audit)}</div>
${screenshot ? `<figure><img src="data:image/png;base64,${screenshot.content}" alt="The page as a first-time visitor sees it"><figcaption>The page as a first-time visitor sees it, before clicking anything.</figcaption></figure>` : ''}
${sections}</main><footer class="small">Grades: security headers follow Mozilla’s HTTP Observatory scoring; TLS follows the SSL Labs rating guide; performance is Lighthouse’s score.</footer></body></html>`;
}
