import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import defaultConfig from 'lighthouse/core/config/default-config.js';
import { withBrowser } from '../browser/chromium.js';
import type { AuditContext } from '../context.js';
import { emptyResult, type CategoryResult, type Finding, type Severity } from '../types.js';

/** axe-core's tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

interface AxeNode {
  target: unknown[];
  html: string;
  failureSummary?: string;
}
interface AxeRule {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}
export interface AxeResults {
  violations: AxeRule[];
  passes: AxeRule[];
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Lighthouse's own weight for each axe rule it scores (its accessibility category), read from the installed Lighthouse. */
const LIGHTHOUSE_WEIGHTS = new Map(
  (defaultConfig.categories?.accessibility?.auditRefs ?? []).filter((ref) => ref.weight > 0).map((ref) => [ref.id, ref.weight] as const),
);
/** For rules Lighthouse does not score, a weight from axe's impact, on Lighthouse's scale (10, 7, 3, 1). */
const IMPACT_WEIGHT = { critical: 10, serious: 7, moderate: 3, minor: 1 } as const;
const SEVERITY: Record<NonNullable<AxeRule['impact']>, Severity> = { critical: 'high', serious: 'medium', moderate: 'low', minor: 'low' };

const weightOf = (rule: AxeRule) => LIGHTHOUSE_WEIGHTS.get(rule.id) ?? IMPACT_WEIGHT[rule.impact ?? 'moderate'];

/**
 * Lighthouse's way of scoring: every rule that applies to the page counts with its weight, fully if
 * it passes and not at all if any element fails it; the score is the weighted share that passed.
 */
function weightedScore(results: AxeResults): number {
  const failed = new Set(results.violations.map((r) => r.id));
  const applicable = new Map([...results.passes, ...results.violations].map((r) => [r.id, r]));
  let total = 0;
  let passed = 0;
  for (const [id, rule] of applicable) {
    total += weightOf(rule);
    if (!failed.has(id)) passed += weightOf(rule);
  }
  return total === 0 ? 100 : Math.round((passed / total) * 100);
}

function axeFindings(results: AxeResults): Finding[] {
  return results.violations.map((rule) => {
    const nodes = rule.nodes.slice(0, 5).map((n) => `${n.target.map(String).join(' ')}: ${n.html.slice(0, 160)}`);
    return {
      id: `accessibility.${rule.id}`,
      category: 'accessibility',
      severity: SEVERITY[rule.impact ?? 'moderate'],
      title: `${rule.help} (${rule.nodes.length} element${rule.nodes.length === 1 ? '' : 's'})`,
      evidence: nodes.join('\n') + (rule.nodes.length > 5 ? `\n… and ${rule.nodes.length - 5} more` : ''),
      fix: `${rule.nodes[0]?.failureSummary?.replace(/\s+/g, ' ').trim() ?? rule.help} See ${rule.helpUrl}`,
    };
  });
}

/** Runs axe-core (WCAG 2.2 A and AA) in Chromium on the loaded page and scores it the way Lighthouse does. */
export async function accessibilityAudit(ctx: AuditContext): Promise<CategoryResult> {
  ctx.step('accessibility', 'running axe-core in Chromium');
  const results = await withBrowser(ctx, async (session) => {
    // axe is injected as an inline script, which a good CSP forbids; the audit must still run there.
    const context = await session.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    try {
      const page = await context.newPage();
      await page.goto(ctx.url.href, { waitUntil: 'load', timeout: 30_000 });
      await page.addScriptTag({ content: axeSource });
      const options = JSON.stringify({ runOnly: { type: 'tag', values: WCAG_TAGS }, resultTypes: ['violations'] });
      return await page.evaluate<AxeResults>(`window.axe.run(document, ${options}).then((r) => ({ violations: r.violations, passes: r.passes }))`);
    } finally {
      await context.close();
    }
  });
  const result = emptyResult();
  result.findings = axeFindings(results);
  result.scores.accessibility = weightedScore(results);
  result.artifacts.push({ name: 'axe-violations.json', contentType: 'application/json', content: JSON.stringify(results.violations, null, 2) });
  return result;
}
