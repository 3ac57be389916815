import Mustache from 'mustache';
import type { Translator } from './i18n.js';
import { translator } from './i18n.js';
import type { IncidentModel, PageModel } from './model.js';
import { HISTORY_DAYS, PAST_DAYS } from './model.js';
import { renderMarkdown } from './sanitize.js';
import type { StatusPageSpec } from './status-page.schema.js';
import type { UpdateStatus } from './tables.js';
import { messageTemplate, pageTemplate } from './templates.js';
import { addCounts, noCounts, type DayCounts } from './uptime.js';

/** Where a rendering of a page points: its own files on this server, or beside it in a static copy. */
export interface PageLinks {
  css: string;
  rss: string;
  atom: string;
  ics: string;
  json: string;
  /** The subscription form's target; null hides the form (no email sender, or a static copy without a server). */
  subscribe: string | null;
  /** A CSP in a meta tag, for static copies served without our headers. */
  metaCsp?: string;
}

export interface PublicUpdate {
  status: UpdateStatus;
  /** Markdown. */
  body: string;
  at: number;
}

export const translatorOf = (spec: StatusPageSpec) => translator(spec.language, spec.timezone);

/** An incident's title as the public sees it: the one a person wrote, or the affected components for incidents opened by monitors. */
export const incidentTitle = (incident: IncidentModel, tr: Translator) => incident.title ?? tr.t('autoTitle', { components: incident.components.join(', ') });

/** The updates shown for an incident, newest first; incidents opened by monitors without a written word get a stock line. */
export function publicUpdates(incident: IncidentModel, tr: Translator): PublicUpdate[] {
  if (incident.updates.length) return incident.updates;
  const stock: PublicUpdate[] = [{ status: 'investigating', body: tr.t('autoInvestigating'), at: incident.startedAt }];
  if (incident.resolvedAt !== null) stock.unshift({ status: 'resolved', body: tr.t('autoResolved'), at: incident.resolvedAt });
  return stock;
}

/** HTML escaping for text and quoted attributes; Mustache's default also escapes "/", "=" and "`", which only adds bytes here. */
export const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const render = (template: string, view: object) => Mustache.render(template, view, {}, { escape });

export const uptimeOf = (counts: DayCounts): number | null => (counts.checks ? (100 * (counts.up + counts.degraded)) / counts.checks : null);

/** The colour class of a day's bar: o(k, the default, left out), m(inor), p(artial), x (major), n(o data). */
function dayClass(uptime: number | null): string | undefined {
  if (uptime === null) return 'n';
  if (uptime >= 99.9) return undefined;
  if (uptime >= 99) return 'm';
  if (uptime >= 95) return 'p';
  return 'x';
}

/** A component's counts over all its days. */
export const totalOf = (days: readonly { counts: DayCounts }[]) => days.reduce((a, d) => addCounts(a, d.counts), noCounts);

function incidentView(incident: IncidentModel, tr: Translator) {
  return {
    title: incidentTitle(incident, tr),
    impact: incident.impact,
    affects: incident.components.join(', '),
    affectsLabel: tr.t('affects'),
    updates: publicUpdates(incident, tr).map((u) => ({
      status: tr.t(u.status),
      html: renderMarkdown(u.body),
      time: tr.dateTime(u.at),
      iso: new Date(u.at).toISOString(),
    })),
  };
}

/** The status page as HTML: works without JavaScript, every user-written value escaped or sanitized. */
export function renderPage(model: PageModel, links: PageLinks): string {
  const { spec } = model;
  const tr = translatorOf(spec);
  const since = model.generatedAt - PAST_DAYS * 86_400_000;
  const past = model.past.filter((i) => (i.resolvedAt ?? 0) >= since);
  const view = {
    lang: tr.lang,
    title: spec.title,
    logo: spec.logo ?? null,
    links,
    metaCsp: links.metaCsp ?? null,
    description: spec.description ? renderMarkdown(spec.description) : null,
    indicator: model.indicator,
    indicatorText: tr.t(`indicator${(model.indicator[0]!.toUpperCase() + model.indicator.slice(1)) as 'None'}`),
    t: {
      activeIncidents: tr.t('activeIncidents'),
      scheduledMaintenance: tr.t('scheduledMaintenance'),
      components: tr.t('components'),
      pastIncidents: tr.t('pastIncidents'),
      subscribe: tr.t('subscribe'),
      email: tr.t('email'),
      subscribeButton: tr.t('subscribeButton'),
      calendar: tr.t('calendar'),
      someComponents: tr.t('someComponents'),
      reportProblem: tr.t('reportProblem'),
    },
    hasActive: model.active.length > 0,
    active: model.active.map((i) => incidentView(i, tr)),
    hasMaintenance: model.maintenance.length > 0,
    maintenance: model.maintenance.map((m) => ({
      name: m.name,
      state: tr.t(m.active ? 'in_progress' : 'scheduled'),
      when: `${tr.dateTime(m.start)} – ${tr.dateTime(m.end)}`,
      iso: new Date(m.start).toISOString(),
      affects: m.components.join(', '),
      affectsLabel: tr.t('affects'),
      description: m.description ? renderMarkdown(m.description) : null,
    })),
    components: model.components.map((c) => {
      const total = uptimeOf(totalOf(c.days));
      return {
        name: c.name,
        description: c.description,
        status: c.status,
        statusText: tr.t(c.status),
        days: c.days.map((d) => {
          const uptime = uptimeOf(d.counts);
          return { c: dayClass(uptime), t: `${tr.shortDay(d.start)}: ${uptime === null ? tr.t('noData') : `${tr.percent(uptime)} %`}` };
        }),
        from: tr.t('daysAgo', { days: HISTORY_DAYS }),
        uptime: total === null ? tr.t('noData') : tr.t('uptime', { pct: tr.percent(total) }),
        to: tr.t('today'),
      };
    }),
    past: past.map((i) => incidentView(i, tr)),
    noPast: tr.t('noPastIncidents', { days: PAST_DAYS }),
    subscribe: links.subscribe,
    report: spec.reportProblem ?? null,
    updated: tr.t('lastUpdated', { time: tr.dateTime(model.generatedAt) }),
  };
  return render(pageTemplate, view);
}

export interface MessagePage {
  heading: string;
  message?: string;
  form?: { action: string; button: string; fields?: { name: string; value: string }[]; password?: { label: string } };
  back?: { href: string; label: string };
}

/** A small page in the page's look: the password prompt, subscription confirmations, errors of links. */
export function renderMessage(spec: StatusPageSpec, cssHref: string, page: MessagePage): string {
  return render(messageTemplate, {
    lang: spec.language,
    title: spec.title,
    logo: spec.logo ?? null,
    links: { css: cssHref },
    heading: page.heading,
    message: page.message ?? null,
    form: page.form ? { ...page.form, fields: page.form.fields ?? [], password: page.form.password ?? null } : null,
    back: page.back?.href ?? null,
    backLabel: page.back?.label ?? null,
  });
}
