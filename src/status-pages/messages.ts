import { randomUUID } from 'node:crypto';
import { escape, incidentTitle, translatorOf } from './html.js';
import type { IncidentModel, MaintenanceModel } from './model.js';
import { plainText, renderMarkdown } from './sanitize.js';
import type { StatusPageSpec } from './status-page.schema.js';
import type { SubscriberRow } from './status-pages.repository.js';
import type { UpdateStatus } from './tables.js';

/** A message as queued: an email fully rendered, or the event a webhook subscriber is sent (signed when sent). */
export type Outgoing =
  | { channel: 'email'; to: string; subject: string; text: string; html: string; headers: Record<string, string> }
  | { channel: 'webhook'; url: string; body: { event: string; notificationId: string } & Record<string, unknown> };

export interface MessageLinks {
  page: string;
  unsubscribe: string;
}

const mailPage = (heading: string, body: string, links: MessageLinks, tr: ReturnType<typeof translatorOf>) =>
  `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:40rem"><h2>${escape(heading)}</h2>${body}` +
  `<p><a href="${escape(links.page)}">${escape(links.page)}</a></p><p style="color:#57606a;font-size:13px">${escape(tr.t('unsubscribeLine'))} <a href="${escape(links.unsubscribe)}">${escape(links.unsubscribe)}</a></p></body></html>`;

/** One-click unsubscribe (RFC 8058): mail clients show an "Unsubscribe" button that POSTs to the link. */
const unsubscribeHeaders = (links: MessageLinks) => ({ 'List-Unsubscribe': `<${links.unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });

export function confirmationMail(spec: StatusPageSpec, to: string, confirmUrl: string, pageUrl: string): Outgoing {
  const tr = translatorOf(spec);
  const intro = tr.t('confirmBody', { page: spec.title });
  return {
    channel: 'email',
    to,
    subject: tr.t('confirmSubject', { page: spec.title }),
    text: `${intro}\n\n${confirmUrl}\n\n${tr.t('ignore')}\n`,
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5"><p>${escape(intro)}</p><p><a href="${escape(confirmUrl)}">${escape(confirmUrl)}</a></p><p>${escape(tr.t('ignore'))}</p><p><a href="${escape(pageUrl)}">${escape(spec.title)}</a></p></body></html>`,
    headers: {},
  };
}

export interface IncidentNews {
  incident: IncidentModel;
  update: { status: UpdateStatus; body: string; at: number };
}

/** What a subscriber is sent about an incident update. */
export function incidentMessage(spec: StatusPageSpec, sub: SubscriberRow, news: IncidentNews, links: MessageLinks): Outgoing {
  const tr = translatorOf(spec);
  const title = incidentTitle(news.incident, tr);
  const status = tr.t(news.update.status);
  if (sub.kind === 'webhook') {
    return {
      channel: 'webhook',
      url: sub.address,
      body: {
        event: 'status.incident.updated',
        notificationId: randomUUID(),
        page: { slug: spec.slug, title: spec.title, url: links.page },
        incident: { id: news.incident.id, title, impact: news.incident.impact, status: news.update.status, components: news.incident.components },
        update: { status: news.update.status, body: news.update.body, html: renderMarkdown(news.update.body), at: new Date(news.update.at).toISOString() },
      },
    };
  }
  const when = tr.dateTime(news.update.at);
  return {
    channel: 'email',
    to: sub.address,
    subject: tr.t('incidentSubject', { page: spec.title, title, status }),
    text: `${title}\n\n${status} — ${when}\n${plainText(news.update.body)}\n\n${tr.t('affects')}: ${news.incident.components.join(', ')}\n${links.page}\n\n${tr.t('unsubscribeLine')} ${links.unsubscribe}\n`,
    html: mailPage(
      title,
      `<p><strong>${escape(status)}</strong> — ${escape(when)}</p>${renderMarkdown(news.update.body)}<p>${escape(tr.t('affects'))}: ${escape(news.incident.components.join(', '))}</p>`,
      links,
      tr,
    ),
    headers: unsubscribeHeaders(links),
  };
}

/** What a subscriber is sent ahead of scheduled maintenance: the announcement, then a reminder. */
export function maintenanceMessage(
  spec: StatusPageSpec,
  sub: SubscriberRow,
  m: MaintenanceModel,
  kind: 'announce' | 'reminder',
  links: MessageLinks,
): Outgoing {
  const tr = translatorOf(spec);
  const when = `${tr.dateTime(m.start)} – ${tr.dateTime(m.end)}`;
  if (sub.kind === 'webhook') {
    return {
      channel: 'webhook',
      url: sub.address,
      body: {
        event: kind === 'announce' ? 'status.maintenance.scheduled' : 'status.maintenance.reminder',
        notificationId: randomUUID(),
        page: { slug: spec.slug, title: spec.title, url: links.page },
        maintenance: {
          name: m.name,
          description: m.description,
          start: new Date(m.start).toISOString(),
          end: new Date(m.end).toISOString(),
          components: m.components,
        },
      },
    };
  }
  const subject = tr.t(kind === 'announce' ? 'maintenanceSubject' : 'reminderSubject', { page: spec.title, name: m.name });
  const description = m.description ?? '';
  return {
    channel: 'email',
    to: sub.address,
    subject,
    text: `${m.name}\n\n${tr.t('when')}: ${when}\n${tr.t('affects')}: ${m.components.join(', ')}\n${plainText(description)}\n\n${links.page}\n\n${tr.t('unsubscribeLine')} ${links.unsubscribe}\n`,
    html: mailPage(
      m.name,
      `<p>${escape(tr.t('when'))}: ${escape(when)}</p><p>${escape(tr.t('affects'))}: ${escape(m.components.join(', '))}</p>${renderMarkdown(description)}`,
      links,
      tr,
    ),
    headers: unsubscribeHeaders(links),
  };
}
