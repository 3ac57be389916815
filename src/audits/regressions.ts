import { scoreCategory } from './runner.js';
import type { AuditCategory, AuditFacts, Finding } from './types.js';

/**
 * Something that got worse between two audits of the same category: plain data, for the engine to
 * turn into events and incidents.
 */
export type Regression =
  | (RegressionBase & { type: 'new_finding'; finding: Finding })
  | (RegressionBase & { type: 'score_dropped'; score: string; from: number; to: number })
  | (RegressionBase & { type: 'new_third_party'; domain: string; entity?: string; categories: string[] })
  | (RegressionBase & { type: 'certificate_changed'; from: NonNullable<AuditFacts['certificate']>; to: NonNullable<AuditFacts['certificate']> });

interface RegressionBase {
  category: AuditCategory;
  auditId: number;
  previousAuditId: number;
  siteId: number | null;
  url: string;
}

interface Compared {
  id: number;
  siteId: number | null;
  url: string;
  scores: Record<string, number>;
  findings: Finding[];
  facts: AuditFacts;
}

/** The regressions of one category from `previous` to `current`. */
export function compare(category: AuditCategory, current: Compared, previous: Compared, dropThreshold: number): Regression[] {
  const base: RegressionBase = { category, auditId: current.id, previousAuditId: previous.id, siteId: current.siteId, url: current.url };
  const out: Regression[] = [];
  const seen = new Set(previous.findings.filter((f) => f.category === category).map((f) => f.id));
  for (const finding of current.findings) if (finding.category === category && !seen.has(finding.id)) out.push({ ...base, type: 'new_finding', finding });
  for (const [score, to] of Object.entries(current.scores)) {
    const from = previous.scores[score];
    if (scoreCategory(score) === category && from !== undefined && from - to >= dropThreshold) out.push({ ...base, type: 'score_dropped', score, from, to });
  }
  if (category === 'privacy' && previous.facts.thirdParties) {
    const known = new Set(previous.facts.thirdParties.map((t) => t.domain));
    for (const t of current.facts.thirdParties ?? []) {
      if (!known.has(t.domain))
        out.push({ ...base, type: 'new_third_party', domain: t.domain, ...(t.entity ? { entity: t.entity } : {}), categories: t.categories });
    }
  }
  const from = previous.facts.certificate;
  const to = current.facts.certificate;
  if (category === 'security' && from && to && from.fingerprint256 !== to.fingerprint256) out.push({ ...base, type: 'certificate_changed', from, to });
  return out;
}
