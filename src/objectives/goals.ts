import type { AuditService, StoredAudit } from '../audits/audit.service.js';
import { backupHeartbeatOf } from '../backups/heartbeats.js';
import { formatDuration } from '../config/duration.js';
import { outcomeCode } from '../monitoring/result.js';
import type { ResultStore } from '../monitoring/results.service.js';
import { securityGrades, type CheckObjective, type ObjectiveSpec } from '../sites/objective.schema.js';
import type { Monitor, Site } from '../sites/sites.service.js';

export type GoalSpec = Exclude<ObjectiveSpec, CheckObjective>;

export const isCheckObjective = (spec: ObjectiveSpec): spec is CheckObjective => spec.type === 'availability' || spec.type === 'latency';

/** Where a goal from audits or backups stands over a period. */
export interface GoalResult {
  /** performance: the score; lcp: ms; security-grade: the grade's rank (0 = A+); third-parties: new ones; backup, drill: the longest wait in ms. */
  attainment: number | null;
  met: boolean | null;
  /** The figure as people read it: "92", "2.1s", "B", "2 new: x.com, y.com", "longest wait 25h". */
  attained: string | null;
  problem: string | null;
}

/** The goal in words, for the API and the dashboard. */
export function goalText(spec: GoalSpec): string {
  switch (spec.type) {
    case 'performance':
      return `Lighthouse performance (${spec.formFactor}) ≥ ${spec.min}`;
    case 'lcp':
      return `LCP (${spec.formFactor}) ≤ ${formatDuration(spec.under)}`;
    case 'security-grade':
      return `security grade ${spec.atLeast} or better`;
    case 'third-parties':
      return 'no new third party';
    case 'backup':
      return `a backup at least every ${formatDuration(spec.within)}`;
    case 'restore-drill':
      return `a restore drill at least every ${formatDuration(spec.within)}`;
  }
}

const finishedAt = (a: StoredAudit) => Date.parse(a.finishedAt ?? a.startedAt);

/** The newest audit of a category finished in [from, to), and the one of that category before it. */
async function auditsOf(audits: AuditService, siteId: number, category: string, from: number, to: number) {
  const list = (await audits.listAudits(siteId, { limit: 200 })).items.filter(
    (a) => a.categories.includes(category as never) && (a.status === 'done' || a.status === 'partial') && !a.errors[category],
  );
  const index = list.findIndex((a) => finishedAt(a) >= from && finishedAt(a) < to);
  return {
    newest: index < 0 ? undefined : list[index],
    before: index < 0 ? undefined : list.slice(index + 1).find((a) => finishedAt(a) < finishedAt(list[index]!)),
  };
}

const none = (what: string): GoalResult => ({ attainment: null, met: null, attained: null, problem: what });

async function auditGoal(spec: GoalSpec, audits: AuditService, siteId: number, from: number, to: number): Promise<GoalResult> {
  const category = spec.type === 'security-grade' ? 'security' : spec.type === 'third-parties' ? 'privacy' : 'performance';
  const { newest, before } = await auditsOf(audits, siteId, category, from, to);
  if (!newest) return { attainment: null, met: null, attained: `no ${category} audit in the period`, problem: null };
  switch (spec.type) {
    case 'performance': {
      const score = newest.scores[spec.formFactor === 'mobile' ? 'performance' : 'performance-desktop'];
      return score === undefined
        ? none(`the audit has no ${spec.formFactor} performance score`)
        : { attainment: score, met: score >= spec.min, attained: String(score), problem: null };
    }
    case 'lcp': {
      const lcp = newest.facts.performance?.[spec.formFactor]?.metrics['largest-contentful-paint'];
      return lcp === undefined
        ? none(`the audit has no ${spec.formFactor} LCP`)
        : { attainment: lcp, met: lcp <= spec.under, attained: `${(lcp / 1000).toFixed(1)}s`, problem: null };
    }
    case 'security-grade': {
      const grade = newest.grades.security;
      const rank = securityGrades.indexOf(grade as never);
      return rank < 0
        ? none('the audit has no security grade')
        : { attainment: rank, met: rank <= securityGrades.indexOf(spec.atLeast), attained: grade!, problem: null };
    }
    default: {
      // The first privacy audit sets the baseline: nothing is new to it.
      const known = new Set((before?.facts.thirdParties ?? newest.facts.thirdParties ?? []).map((t) => t.domain));
      const added = (newest.facts.thirdParties ?? []).map((t) => t.domain).filter((d) => !known.has(d));
      return {
        attainment: added.length,
        met: added.length === 0,
        attained: added.length ? `${added.length} new: ${added.join(', ')}` : 'none new',
        problem: null,
      };
    }
  }
}

/**
 * The longest time in [from, to) since a job's last success: successes are its heartbeat's good
 * results (from `within` before `from` on, so the wait the period starts with counts); Infinity
 * when none came before the period's start within reach.
 */
async function longestWait(store: ResultStore, monitor: Monitor, within: number, from: number, to: number): Promise<number> {
  const rows = await store.repository.monitorResultsBetween(monitor.id, from - within, to);
  const successes = rows
    .filter((r) => r.status !== outcomeCode.down)
    .map((r) => r.at)
    .sort((a, b) => a - b);
  let last = successes.filter((at) => at <= from).at(-1);
  let longest = last === undefined ? Infinity : 0;
  for (const at of successes.filter((a) => a > from)) {
    if (last !== undefined) longest = Math.max(longest, at - last);
    last = at;
  }
  return last === undefined ? Infinity : Math.max(longest, to - last);
}

async function backupGoal(
  spec: Extract<GoalSpec, { type: 'backup' | 'restore-drill' }>,
  store: ResultStore,
  monitors: readonly Monitor[],
  from: number,
  to: number,
) {
  const kind = spec.type === 'backup' ? 'backup' : 'drill';
  const watched = monitors.filter((m) => {
    const h = backupHeartbeatOf(m);
    return h?.kind === kind && (spec.job === undefined || h.job === spec.job);
  });
  if (!watched.length)
    return none(
      spec.job
        ? `the site has no ${kind === 'backup' ? 'backup job' : 'restore drill'} "${spec.job}"`
        : `the site has no ${kind === 'backup' ? 'backup jobs' : 'restore drills'}`,
    );
  let worst = 0;
  for (const m of watched) worst = Math.max(worst, await longestWait(store, m, spec.within, from, to));
  if (worst === Infinity) return { attainment: null, met: false, attained: `none within ${formatDuration(spec.within)}`, problem: null };
  return { attainment: worst, met: worst <= spec.within, attained: `longest wait ${formatDuration(Math.round(worst / 60_000) * 60_000)}`, problem: null };
}

/** Measures a goal from audits or backups over [from, to). */
export async function evaluateGoal(
  spec: GoalSpec,
  ctx: { store: ResultStore; audits: AuditService | undefined; site: Site; monitors: readonly Monitor[] },
  from: number,
  to: number,
): Promise<GoalResult> {
  if (spec.type === 'backup' || spec.type === 'restore-drill') return backupGoal(spec, ctx.store, ctx.monitors, from, to);
  if (!ctx.audits) return none('audits are not available here');
  return auditGoal(spec, ctx.audits, ctx.site.id, from, to);
}
