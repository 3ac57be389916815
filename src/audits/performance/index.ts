import type { PerformanceBudgets } from '../config.js';
import type { AuditContext } from '../context.js';
import { emptyResult, type CategoryResult, type Finding, type PerformanceFacts } from '../types.js';
import { runLighthouse, type FormFactor, type LighthouseOutcome } from './lighthouse.js';

const LABELS: Record<string, string> = {
  'first-contentful-paint': 'First Contentful Paint',
  'largest-contentful-paint': 'Largest Contentful Paint',
  'total-blocking-time': 'Total Blocking Time',
  'cumulative-layout-shift': 'Cumulative Layout Shift',
  'speed-index': 'Speed Index',
  interactive: 'Time to Interactive',
};
const show = (metric: string, value: number) => (metric === 'cumulative-layout-shift' ? value.toFixed(3) : `${Math.round(value)} ms`);

/** Lighthouse CI-style assertions: every budget broken is a finding. */
function budgetFindings(facts: PerformanceFacts, budgets: PerformanceBudgets, formFactor: FormFactor): Finding[] {
  const out: Finding[] = [];
  const id = (what: string) => `performance.budget:${what}:${formFactor}`;
  const fix = 'Bring the page back within its budget (audits.performance.budgets in upkeep.yaml), or raise the budget if the change was intended.';
  if (budgets.minScore !== undefined && facts.score < budgets.minScore) {
    out.push({
      id: id('score'),
      category: 'performance',
      severity: 'medium',
      title: `Performance score ${facts.score} is below the budget of ${budgets.minScore} (${formFactor})`,
      evidence: `median of ${facts.runs} Lighthouse runs`,
      fix,
    });
  }
  for (const [metric, limit] of Object.entries(budgets.metrics)) {
    const value = facts.metrics[metric];
    if (value === undefined || limit === undefined || value <= limit) continue;
    out.push({
      id: id(metric),
      category: 'performance',
      severity: 'medium',
      title: `${LABELS[metric] ?? metric} is over budget on ${formFactor}: ${show(metric, value)} (budget ${show(metric, limit)})`,
      evidence: `median of ${facts.runs} Lighthouse runs`,
      fix,
    });
  }
  // Lighthouse's resource summary has a row per type, plus "total" and "third-party".
  const sized = (type: string) => facts.resources[type];
  for (const [type, kb] of Object.entries(budgets.resourceSizes)) {
    const bytes = sized(type)?.bytes;
    if (bytes === undefined || kb === undefined || bytes <= kb * 1024) continue;
    out.push({
      id: id(`size-${type}`),
      category: 'performance',
      severity: 'medium',
      title: `${type} transfer size ${Math.round(bytes / 1024)} kB is over the ${kb} kB budget (${formFactor})`,
      evidence: `resource summary of the median run`,
      fix,
    });
  }
  for (const [type, max] of Object.entries(budgets.resourceCounts)) {
    const count = sized(type)?.requests;
    if (count === undefined || max === undefined || count <= max) continue;
    out.push({
      id: id(`count-${type}`),
      category: 'performance',
      severity: 'medium',
      title: `${count} ${type} requests, over the budget of ${max} (${formFactor})`,
      evidence: `resource summary of the median run`,
      fix,
    });
  }
  return out;
}

/** Core Web Vitals outside "good", and Lighthouse's biggest opportunities. */
function vitalFindings(outcome: LighthouseOutcome, formFactor: FormFactor): Finding[] {
  const out: Finding[] = [];
  for (const [metric, verdict] of Object.entries(outcome.facts.vitals)) {
    if (verdict === 'good') continue;
    const value = outcome.facts.metrics[metric]!;
    out.push({
      id: `performance.vital:${metric}:${formFactor}`,
      category: 'performance',
      severity: verdict === 'poor' ? 'medium' : 'low',
      title: `${LABELS[metric]} is ${verdict === 'poor' ? 'poor' : 'in need of improvement'} on ${formFactor}: ${show(metric, value)}`,
      evidence: `lab value, median of ${outcome.facts.runs} Lighthouse run${outcome.facts.runs === 1 ? '' : 's'}`,
      fix: outcome.opportunities[0] ? `Start with: ${outcome.opportunities[0].title}.` : 'See the Lighthouse report for what delays this metric.',
    });
  }
  for (const o of outcome.opportunities.slice(0, 3)) {
    out.push({
      id: `performance.opportunity:${o.id}:${formFactor}`,
      category: 'performance',
      severity: 'low',
      title: `${o.title} (about ${(o.savingsMs / 1000).toFixed(1)} s faster on ${formFactor})`,
      evidence: `Lighthouse estimate from the median run`,
      fix: o.description,
    });
  }
  return out;
}

/** Lighthouse 12 in Debian's Chromium: median of N runs per form factor, Core Web Vitals bands, budgets. */
export async function performanceAudit(ctx: AuditContext): Promise<CategoryResult> {
  const { runs, formFactors, budgets } = ctx.config.performance;
  const outcomes = await runLighthouse(ctx, formFactors, runs);
  const result = emptyResult();
  result.facts.performance = {};
  for (const formFactor of formFactors) {
    const outcome = outcomes[formFactor];
    result.scores[formFactor === 'mobile' ? 'performance' : 'performance-desktop'] = outcome.facts.score;
    result.facts.performance[formFactor] = outcome.facts;
    result.findings.push(...vitalFindings(outcome, formFactor), ...budgetFindings(outcome.facts, budgets, formFactor));
  }
  return result;
}
