import type { IncidentRow } from '../incidents/incidents.repository.js';
import type { Summary } from '../monitoring/results.service.js';
import type { ObjectiveStatus } from '../objectives/evaluate.js';
import { goalText as describeGoal, isCheckObjective } from '../objectives/goals.js';
import type { FeedbackSummary } from '../feedback/summary.js';
import type { Site } from '../sites/sites.service.js';
import type { Brand } from './brand.js';
import { fill, Locale, type Language, type Messages } from './messages.js';
import type { AuditFigures, BackupFigures, MaintenanceDone, UpdatesFigures } from './sources.js';

/** One site's raw figures for the month. */
export interface SiteFigures {
  site: Site;
  goals: ObjectiveStatus[];
  /** The same goals over the month before: a goal missed in both is an action. */
  previousGoals: ObjectiveStatus[];
  monitors: { name: string; summary: Summary }[];
  incidents: IncidentRow[];
  maintenance: MaintenanceDone[];
  updates: UpdatesFigures;
  backups: BackupFigures[];
  /** Whether a restore drill succeeded in the 31 days before the month's end (null: the site has no backups). */
  drilled: boolean | null;
  audits: AuditFigures | null;
  /** Visitors' feedback of the month, and of the month before (for the rating's trend). */
  feedback: { month: FeedbackSummary; before: FeedbackSummary };
}

export interface RawReport {
  title: string;
  month: string;
  timezone: string;
  language: Language;
  brand: Brand | undefined;
  from: number;
  to: number;
  generatedAt: number;
  sites: SiteFigures[];
}

/**
 * The report as the template reads it: every figure already written as text in the report's
 * language, so the logic-less template only places them (and the HTML and the PDF show the very
 * same strings).
 */
export type ReportModel = ReturnType<typeof formatReport>;

/** "2 h 5 min", "45 min", "30 s". */
export function durationText(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 0) return `${Math.round(ms / 1000)} s`;
  const h = Math.floor(minutes / 60);
  return h ? `${h} h ${minutes % 60} min` : `${minutes} min`;
}

function goalText(s: ObjectiveStatus, l: Locale): string {
  const { spec } = s;
  if (!isCheckObjective(spec)) return describeGoal(spec);
  return spec.type === 'availability' ? `≥ ${l.percent(spec.target, 1)}` : `p${spec.percentile} ≤ ${l.number(spec.under)} ms`;
}

/** The first paragraph of a postmortem, without Markdown's heading marks: what a client reads in a line. */
function postmortemSummary(text: string | null): string {
  if (!text) return '';
  const para = text.split(/\n\s*\n/).find((p) => p.replace(/^#+\s.*$/gm, '').trim()) ?? '';
  const line = para
    .replace(/^#+\s.*$/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > 400 ? `${line.slice(0, 399)}…` : line;
}

/** The feedback section: counts, the mean rating and its change since the month before, the top tags. */
function feedbackText({ month, before }: SiteFigures['feedback'], l: Locale) {
  const { m } = l;
  const rating = (v: number) => fill(m.ratingOf, { rating: l.number(v, 2) });
  const change = month.average !== null && before.average !== null ? month.average - before.average : null;
  return {
    reports: l.number(month.reports),
    wentWrong: l.number(month.wentWrong),
    rated: l.number(month.rated),
    comments: l.number(month.comments),
    average: month.average === null ? '–' : rating(month.average),
    trend:
      month.average === null
        ? m.noRatings
        : before.average === null || change === null
          ? m.noRatingsBefore
          : fill(m.trendSince, { change: `${change >= 0 ? '+' : '−'}${l.number(Math.abs(change), 2)}`, before: l.number(before.average, 2) }),
    topTags: month.topTags.length ? month.topTags.map((t) => `${t.tag} (${l.number(t.reports)})`).join(', ') : '–',
    linked: l.number(month.linked),
  };
}

function actionsOf(f: SiteFigures, m: Messages): string[] {
  const out: string[] = [];
  for (const c of f.updates.endOfLife) out.push(fill(m.actionEol, { name: c.name, version: c.version }));
  for (const g of f.goals) {
    const before = f.previousGoals.find((p) => p.spec.name === g.spec.name);
    if (g.met === false && before?.met === false) out.push(fill(m.actionMissedTwice, { goal: g.spec.name }));
  }
  if (f.drilled === false) out.push(m.actionNoDrill);
  if (!f.site.spec.owner) out.push(m.actionNoOwner);
  if (f.audits?.added.length) out.push(fill(m.actionFindings, { count: String(f.audits.added.length) }));
  return out;
}

function formatSite(f: SiteFigures, raw: RawReport, l: Locale) {
  const { m } = l;
  const millis = (v: number | null) => (v === null ? '–' : `${l.number(v)} ms`);
  const percent = (v: number | null) => (v === null ? m.noChecks : l.percent(v, 3));
  // Cut at the month's ends: what lasted into the next month counts up to its end here.
  const lasted = (i: IncidentRow) => Math.min(i.resolved_at ?? raw.generatedAt, raw.to) - Math.max(i.opened_at, raw.from);
  const actions = actionsOf(f, m);
  const { updates } = f;
  return {
    name: f.site.spec.name,
    owner: f.site.spec.owner ?? m.noOwner,
    summary: fill(m.summary, {
      met: l.number(f.goals.filter((g) => g.met === true).length),
      goals: l.number(f.goals.length),
      incidents: l.number(f.incidents.length),
      duration: durationText(f.incidents.reduce((sum, i) => sum + lasted(i), 0)),
    }),
    goals: f.goals.map((g) => ({
      name: g.spec.name,
      goal: goalText(g, l),
      attained: g.problem ?? g.attained ?? (g.spec.type === 'availability' ? percent(g.attainment) : millis(g.attainment)),
      verdict: g.met === null ? m.notMeasured : g.met ? m.met : m.missed,
      budgetLeft: g.budget?.remaining === null || g.budget === null ? '–' : l.percent(g.budget.remaining * 100, 1),
    })),
    noGoals: f.goals.length === 0,
    monitors: f.monitors.map(({ name, summary }) => ({
      name,
      checks: l.number(summary.checks),
      uptime: percent(summary.uptime),
      p50: millis(summary.latency.p50),
      p95: millis(summary.latency.p95),
    })),
    incidents: f.incidents.map((i) => ({
      title: i.title,
      severity: i.severity,
      opened: l.dateTime(i.opened_at),
      duration: durationText(lasted(i)) + (i.resolved_at === null ? ` (${m.open})` : ''),
      postmortem: postmortemSummary(i.postmortem),
    })),
    noIncidents: f.incidents.length === 0,
    maintenance: f.maintenance.map((w) => ({ name: w.name, from: l.dateTime(w.start), to: l.dateTime(w.end), duration: durationText(w.end - w.start) })),
    noMaintenance: f.maintenance.length === 0,
    updatesNotSetUp: !updates.setUp,
    updatesSetUp: updates.setUp,
    runs: updates.runs.map((r) => ({ when: l.dateTime(r.at), outcome: m[`run.${r.status}`] })),
    noRuns: updates.runs.length === 0,
    pending: updates.pending,
    noPending: updates.pending.length === 0,
    backups: f.backups.map((b) => ({
      name: b.kind === 'drill' ? fill(m.drillOf, { job: b.name }) : b.name,
      succeeded: l.number(b.succeeded),
      failed: l.number(b.failed),
      lastSuccess: b.lastSuccess === null ? m.never : l.dateTime(b.lastSuccess),
    })),
    noBackups: f.backups.length === 0,
    audits: f.audits && {
      scores: f.audits.scores.map((s) => ({ name: s.name, now: s.now, before: s.before ?? '–' })),
      fixed: f.audits.fixed.length ? f.audits.fixed.join('; ') : m.none,
      added: f.audits.added.length ? f.audits.added.join('; ') : m.none,
    },
    noAudits: f.audits === null,
    feedback: feedbackText(f.feedback, l),
    noFeedback: f.feedback.month.reports === 0,
    actions,
    noActions: actions.length === 0,
  };
}

export function formatReport(raw: RawReport) {
  const l = new Locale(raw.language, raw.timezone);
  const monthName = l.month(raw.from);
  return {
    lang: raw.language,
    t: l.m,
    title: raw.title,
    heading: `${l.m.title}: ${raw.title}`,
    month: monthName,
    timezone: raw.timezone,
    generated: fill(l.m.generated, { at: l.dateTime(raw.generatedAt) }),
    brand: raw.brand && { agency: fill(l.m.preparedBy, { agency: raw.brand.agency }), name: raw.brand.agency, logo: raw.brand.logo ?? null },
    accent: raw.brand?.accent ?? '#1f3a5f',
    sites: raw.sites.map((f) => formatSite(f, raw, l)),
  };
}
