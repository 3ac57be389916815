import { describeError } from '../lib/errors.js';
import type { AuditContext } from './context.js';
import { auditCategories, severities, type AuditCategory, type CategoryResult, type Finding, type ProgressEvent } from './types.js';

/**
 * Every category's behaviour, in one map: a category without a runner is a compile error. Loaded on
 * first use: Lighthouse and Playwright take over a second to import, which every other command and
 * the server's start would otherwise pay.
 */
const runners = {
  security: async (ctx) => (await import('./security/index.js')).securityAudit(ctx),
  performance: async (ctx) => (await import('./performance/index.js')).performanceAudit(ctx),
  privacy: async (ctx) => (await import('./privacy/index.js')).privacyAudit(ctx),
  accessibility: async (ctx) => (await import('./accessibility/index.js')).accessibilityAudit(ctx),
  links: async (ctx) => (await import('./links/index.js')).linksAudit(ctx),
} satisfies Record<AuditCategory, (ctx: AuditContext) => Promise<CategoryResult>>;

/** Which category each score belongs to, so a score drop is attributed to the category that measured it. */
export const scoreCategory = (score: string): AuditCategory => (score === 'tls' ? 'security' : (score.split('-')[0] as AuditCategory));

export interface RunOutcome extends CategoryResult {
  errors: Record<string, string>;
}

/**
 * Runs the asked categories one after another (they share the site; in parallel they would skew
 * Lighthouse's timings) and gathers what they found. A category that fails is recorded with its
 * reason and the others still run.
 */
export async function runCategories(ctx: AuditContext, only: readonly AuditCategory[], onProgress: (e: ProgressEvent) => void): Promise<RunOutcome> {
  const outcome: RunOutcome = { scores: {}, grades: {}, findings: [], facts: {}, artifacts: [], errors: {} };
  for (const category of auditCategories.filter((c) => only.includes(c))) {
    onProgress({ type: 'category-start', category });
    const started = performance.now();
    try {
      const r = await runners[category](ctx);
      Object.assign(outcome.scores, r.scores);
      Object.assign(outcome.grades, r.grades);
      Object.assign(outcome.facts, r.facts);
      outcome.findings.push(...r.findings);
      outcome.artifacts.push(...r.artifacts);
      onProgress({ type: 'category-done', category, findings: r.findings.length, ms: performance.now() - started });
    } catch (err) {
      outcome.errors[category] = describeError(err);
      onProgress({ type: 'category-failed', category, message: outcome.errors[category] });
    }
  }
  outcome.findings = sortFindings(dedupe(outcome.findings));
  return outcome;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Map<string, Finding>();
  for (const f of findings) if (!seen.has(f.id)) seen.set(f.id, f);
  return [...seen.values()];
}

/** Worst first, then by category and title, so reports read from what matters most. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severities.indexOf(a.severity) - severities.indexOf(b.severity) ||
      auditCategories.indexOf(a.category) - auditCategories.indexOf(b.category) ||
      a.title.localeCompare(b.title),
  );
}
