import { Feed } from 'feed';
import ical from 'ical-generator';
import { incidentTitle, publicUpdates, totalOf, translatorOf, uptimeOf } from './html.js';
import type { IncidentModel, MaintenanceModel, PageModel } from './model.js';
import { plainText, renderMarkdown } from './sanitize.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A component's id in the JSON: stable while its name is (positions change when components are reordered). */
const componentId = (slug: string, name: string) => `${slug}-${Buffer.from(name).toString('base64url').slice(0, 32)}`;

function incidentJson(model: PageModel, incident: IncidentModel) {
  const tr = translatorOf(model.spec);
  return {
    id: String(incident.id),
    name: incidentTitle(incident, tr),
    status: incident.status,
    impact: incident.impact,
    created_at: iso(incident.startedAt),
    started_at: iso(incident.startedAt),
    updated_at: iso(incident.updatedAt),
    monitoring_at: iso(incident.updates.find((u) => u.status === 'monitoring')?.at ?? null),
    resolved_at: iso(incident.resolvedAt),
    shortlink: null,
    page_id: model.spec.slug,
    components: incident.components.map((name) => ({ id: componentId(model.spec.slug, name), name })),
    incident_updates: publicUpdates(incident, tr).map((u, i) => ({
      id: `${incident.id}-${i}`,
      incident_id: String(incident.id),
      status: u.status,
      body: plainText(u.body),
      created_at: iso(u.at),
      updated_at: iso(u.at),
      display_at: iso(u.at),
    })),
  };
}

function maintenanceJson(model: PageModel, m: MaintenanceModel) {
  return {
    id: `${model.spec.slug}-${Buffer.from(m.name).toString('base64url').slice(0, 24)}-${m.start}`,
    name: m.name,
    status: m.active ? 'in_progress' : 'scheduled',
    impact: 'maintenance',
    scheduled_for: iso(m.start),
    scheduled_until: iso(m.end),
    description: m.description === null ? null : plainText(m.description),
    components: m.components.map((name) => ({ id: componentId(model.spec.slug, name), name })),
    incident_updates: [],
  };
}

/**
 * The page as JSON in the shape of Atlassian Statuspage's /api/v2/summary.json (page, status,
 * components, incidents, scheduled_maintenances), which many dashboards and bots already read.
 */
export function summaryJson(model: PageModel, pageUrl: string) {
  const tr = translatorOf(model.spec);
  const key = `indicator${model.indicator[0]!.toUpperCase()}${model.indicator.slice(1)}` as 'indicatorNone';
  return {
    page: { id: model.spec.slug, name: model.spec.title, url: pageUrl, time_zone: model.spec.timezone, updated_at: iso(model.generatedAt) },
    status: { indicator: model.indicator, description: tr.t(key) },
    components: model.components.map((c, position) => {
      return {
        id: componentId(model.spec.slug, c.name),
        name: c.name,
        status: c.status,
        description: c.description,
        position: position + 1,
        showcase: true,
        group: false,
        group_id: null,
        only_show_if_degraded: false,
        page_id: model.spec.slug,
        uptime_90d: uptimeOf(totalOf(c.days)),
      };
    }),
    incidents: model.active.map((i) => incidentJson(model, i)),
    scheduled_maintenances: model.maintenance.map((m) => maintenanceJson(model, m)),
  };
}

/** RSS and Atom of a page: one entry per incident (its updates in the content) and per maintenance announced. */
export function feedOf(model: PageModel, pageUrl: string, feedUrls: { rss: string; atom: string }): Feed {
  const tr = translatorOf(model.spec);
  const incidents = [...model.active, ...model.past];
  const updated = Math.max(model.generatedAt - (model.generatedAt % 1000), ...incidents.map((i) => i.updatedAt));
  const feed = new Feed({
    title: model.spec.title,
    description: model.spec.description ? plainText(model.spec.description) : model.spec.title,
    id: pageUrl,
    link: pageUrl,
    language: model.spec.language,
    updated: new Date(updated),
    generator: 'Upkeep',
    copyright: model.spec.title,
    feedLinks: feedUrls,
  });
  for (const incident of incidents) {
    const updates = publicUpdates(incident, tr);
    feed.addItem({
      title: `${incidentTitle(incident, tr)} (${tr.t(incident.status)})`,
      id: `${pageUrl}#incident-${incident.id}`,
      link: `${pageUrl}#incident-${incident.id}`,
      date: new Date(incident.updatedAt),
      published: new Date(incident.startedAt),
      description: plainText(updates[0]!.body),
      content: updates.map((u) => `<p><strong>${tr.t(u.status)}</strong> — ${tr.dateTime(u.at)}</p>${renderMarkdown(u.body)}`).join(''),
    });
  }
  for (const m of model.maintenance) {
    feed.addItem({
      title: `${tr.t('scheduledMaintenance')}: ${m.name}`,
      id: `${pageUrl}#maintenance-${m.start}-${encodeURIComponent(m.name)}`,
      link: pageUrl,
      date: new Date(m.start),
      description: `${tr.dateTime(m.start)} – ${tr.dateTime(m.end)}${m.description ? `. ${plainText(m.description)}` : ''}`,
    });
  }
  return feed;
}

/** Scheduled maintenance of a page as iCalendar, so people can put it in their calendars (times in UTC). */
export function maintenanceCalendar(model: PageModel, pageUrl: string, host: string): string {
  const tr = translatorOf(model.spec);
  const calendar = ical({
    name: `${model.spec.title}: ${tr.t('scheduledMaintenance')}`,
    prodId: { company: 'Upkeep', product: 'status-pages', language: model.spec.language.toUpperCase() },
  });
  for (const m of model.maintenance) {
    calendar.createEvent({
      id: `${model.spec.slug}-${Buffer.from(m.name).toString('base64url')}-${m.start}@${host}`,
      start: new Date(m.start),
      end: new Date(m.end),
      summary: `${tr.t('scheduledMaintenance')}: ${m.name}`,
      description: [m.description ? plainText(m.description) : null, m.components.length ? `${tr.t('affects')}: ${m.components.join(', ')}` : null]
        .filter(Boolean)
        .join('\n'),
      url: pageUrl,
    });
  }
  return calendar.toString();
}
