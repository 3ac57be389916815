import type { FeedbackSummary } from '../feedback/summary.js';
import type { IncidentRow } from '../incidents/incidents.repository.js';
import type { Summary } from '../monitoring/results.service.js';
import type { ObjectiveStatus } from '../objectives/evaluate.js';
import type { Site } from '../sites/sites.service.js';

/** One site's raw figures for the month. */
export interface SiteFigures {
  site: Site;
  goals: ObjectiveStatus[];
  monitors: { name: string; summary: Summary }[];
  incidents: IncidentRow[];
  /** Visitors' feedback of the month, and of the month before (for the rating's trend). */
  feedback: { month: FeedbackSummary; before: FeedbackSummary };
}

/**
 * The report as the template reads it: every figure already written as text, so the logic-less
 * template only places them (and the HTML and the PDF show the very same strings).
 */
export interface ReportModel {
  title: string;
  month: string;
  timezone: string;
  generatedAt: string;
  sites: {
    name: string;
    owner: string;
    goals: { name: string; goal: string; attained: string; verdict: string; budgetLeft: string }[];
    monitors: { name: string; checks: string; uptime: string; average: string; p95: string }[];
    incidents: { title: string; severity: string; opened: string; duration: string }[];
    noGoals: boolean;
    noIncidents: boolean;
    feedback: { reports: string; wentWrong: string; rated: string; comments: string; average: string; trend: string; topTags: string; linked: string };
    noFeedback: boolean;
  }[];
}

const percent = (v: number | null) => (v === null ? 'no checks' : `${v.toFixed(3)} %`);
const millis = (v: number | null) => (v === null ? '–' : `${v} ms`);

/** "2 h 5 min", "45 min", "30 s". */
export function durationText(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 0) return `${Math.round(ms / 1000)} s`;
  const h = Math.floor(minutes / 60);
  return h ? `${h} h ${minutes % 60} min` : `${minutes} min`;
}

const rating = (v: number | null) => (v === null ? '–' : `${v.toFixed(2)} of 5`);

/** The mean rating against the month before: "+0.40 since the month before", or why there is no trend. */
function trendText(month: number | null, before: number | null): string {
  if (month === null) return 'no ratings this month';
  if (before === null) return 'no ratings the month before';
  const change = month - before;
  return `${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(2)} since the month before (${before.toFixed(2)})`;
}

function feedbackText({ month, before }: SiteFigures['feedback']): ReportModel['sites'][number]['feedback'] {
  return {
    reports: String(month.reports),
    wentWrong: String(month.wentWrong),
    rated: String(month.rated),
    comments: String(month.comments),
    average: rating(month.average),
    trend: trendText(month.average, before.average),
    topTags: month.topTags.length ? month.topTags.map((t) => `${t.tag} (${t.reports})`).join(', ') : '–',
    linked: String(month.linked),
  };
}

function goalText(s: ObjectiveStatus): string {
  return s.spec.type === 'availability' ? `availability ≥ ${s.spec.target} %` : `p${s.spec.percentile} ≤ ${s.spec.under} ms`;
}

export function formatReport(
  raw: { title: string; month: string; timezone: string; from: number; to: number; generatedAt: string; sites: SiteFigures[] },
  now: number,
): ReportModel {
  return {
    title: raw.title,
    month: raw.month,
    timezone: raw.timezone,
    generatedAt: raw.generatedAt,
    sites: raw.sites.map(({ site, goals, monitors, incidents, feedback }) => ({
      name: site.spec.name,
      owner: site.spec.owner ?? 'no owner',
      goals: goals.map((g) => ({
        name: g.spec.name,
        goal: goalText(g),
        attained: g.problem ?? (g.spec.type === 'availability' ? percent(g.attainment) : millis(g.attainment)),
        verdict: g.met === null ? 'not measured' : g.met ? 'met' : 'missed',
        budgetLeft: g.budget?.remaining === null || g.budget === null ? '–' : `${(g.budget.remaining * 100).toFixed(1)} %`,
      })),
      monitors: monitors.map((m) => ({
        name: m.name,
        checks: String(m.summary.checks),
        uptime: percent(m.summary.uptime),
        average: millis(m.summary.latency.avg),
        p95: millis(m.summary.latency.p95),
      })),
      incidents: incidents.map((i) => ({
        title: i.title,
        severity: i.severity,
        opened: new Date(i.opened_at).toISOString().slice(0, 16).replace('T', ' '),
        // Cut at the end of the month: what lasted into the next month counts up to its end here.
        duration: durationText(Math.min(i.resolved_at ?? now, raw.to) - Math.max(i.opened_at, raw.from)) + (i.resolved_at === null ? ' (open)' : ''),
      })),
      noGoals: goals.length === 0,
      noIncidents: incidents.length === 0,
      feedback: feedbackText(feedback),
      noFeedback: feedback.month.reports === 0,
    })),
  };
}
