import { formatDuration } from '../config/duration.js';
import type { Monitor, Site } from '../sites/sites.service.js';
import { budgetRemaining, burnRate, burnWindows, firedRules, allowedErrorRate, type BurnRule } from './burn.js';
import { periodOf, type Measurer } from './measure.js';
import type { ObjectiveSpec } from '../sites/objective.schema.js';
import type { AuditService } from '../audits/audit.service.js';
import { evaluateGoal, isCheckObjective } from './goals.js';

/** Where an objective stands at one moment. */
export interface ObjectiveStatus {
  spec: ObjectiveSpec;
  /** The period measured: [from, to). */
  from: number;
  to: number;
  /** Availability: percent of good checks; latency: the percentile in ms; null without checks. */
  attainment: number | null;
  met: boolean | null;
  /** Checks counted (availability). */
  checks: number;
  /** Availability only: failed checks, failures the target allows among the checks so far, and the share left. */
  budget: { failed: number; allowed: number; remaining: number | null } | null;
  /** Availability only: burn rate by window ("5m", "1h", …). */
  burnRates: Record<string, number> | null;
  /** The strongest burn-rate rule that fires, when alerts are on. */
  alert: BurnRule | null;
  /** Why the objective cannot be measured (a monitor it names does not exist). */
  problem: string | null;
  /** Goals from audits and backups: the figure as people read it ("B", "92", "longest wait 25h"). */
  attained: string | null;
}

/** The monitors an objective measures: the one it names, or all of the site's except heartbeats. */
export function monitorsOf(spec: ObjectiveSpec, monitors: readonly Monitor[]): Monitor[] {
  if (spec.monitor) return monitors.filter((m) => m.spec.name === spec.monitor);
  return monitors.filter((m) => m.spec.type !== 'heartbeat');
}

/**
 * Measures one objective of a site at `now` over its own period with its burn rates, or over a
 * period given (a month of a report: attainment and budget only).
 */
export async function evaluate(
  measurer: Measurer,
  site: Site,
  siteMonitors: readonly Monitor[],
  spec: ObjectiveSpec,
  now: number,
  period?: { from: number; to: number },
  audits?: AuditService,
): Promise<ObjectiveStatus> {
  const { from, to } = period ?? periodOf(spec, now);
  const status: ObjectiveStatus = {
    spec,
    from,
    to,
    attainment: null,
    met: null,
    checks: 0,
    budget: null,
    burnRates: null,
    alert: null,
    problem: null,
    attained: null,
  };
  if (!isCheckObjective(spec)) return { ...status, ...(await evaluateGoal(spec, { store: measurer.store, audits, site, monitors: siteMonitors }, from, to)) };
  const monitors = monitorsOf(spec, siteMonitors);
  if (!monitors.length) {
    status.problem = spec.monitor ? `the site has no monitor named "${spec.monitor}"` : 'the site has no monitors to measure';
    return status;
  }
  const target = { siteName: site.spec.name, siteTags: site.spec.tags, monitors };
  if (spec.type === 'latency') {
    status.attainment = await measurer.percentile(target, spec.percentile, from, to, spec.excludeMaintenance);
    status.met = status.attainment === null ? null : status.attainment <= spec.under;
    return status;
  }
  const counts = await measurer.counts(target, from, to, spec.excludeMaintenance);
  status.checks = counts.total;
  status.attainment = counts.total ? (100 * counts.good) / counts.total : null;
  status.met = status.attainment === null ? null : status.attainment >= spec.target;
  status.budget = {
    failed: counts.total - counts.good,
    allowed: allowedErrorRate(spec.target) * counts.total,
    remaining: budgetRemaining(counts, spec.target),
  };
  if (period) return status;
  const rates = new Map<number, number>();
  for (const w of burnWindows) rates.set(w, burnRate(await measurer.counts(target, now - w, now, spec.excludeMaintenance), spec.target));
  status.burnRates = Object.fromEntries([...rates].map(([w, r]) => [formatDuration(w), r]));
  status.alert = spec.alert ? (firedRules(rates)[0] ?? null) : null;
  return status;
}
