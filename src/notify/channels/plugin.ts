import type { ChannelType, SpecOf } from '../channel.schema.js';
import type { Delivery, DeliveryContext, NotificationPayload } from '../notification.js';
import type { Template, TextFormat } from '../templates.js';

/** What a channel sends: the title and body rendered for its format, and the same as plain text. */
export interface Message extends Template {
  /** Rendered without escaping: for subjects, push titles, PagerDuty summaries and fallbacks. */
  text: Template;
}

/**
 * A notification channel: how its templates are escaped, and how it sends. A failing provider is a
 * `Delivery` with `ok: false`, never a thrown error.
 */
export interface ChannelPlugin<K extends ChannelType> {
  /** How values are escaped in this channel's messages; null for the generic webhook, which sends the payload itself. */
  format: TextFormat | null;
  send(spec: SpecOf<K>, message: Message, payload: NotificationPayload, ctx: DeliveryContext): Promise<Delivery>;
}

/** Cuts text to a provider's limit, marking the cut; for HTML it never leaves half an entity. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const amp = cut.lastIndexOf('&');
  if (amp > cut.lastIndexOf(';')) cut = cut.slice(0, amp);
  return `${cut}…`;
}

/** The events that tell a pager to start, keep or stop alerting. */
export type PagerAction = 'trigger' | 'acknowledge' | 'resolve';
export function pagerActionOf(payload: NotificationPayload): PagerAction {
  if (payload.event === 'incident.acknowledged') return 'acknowledge';
  if (payload.event === 'incident.resolved') return 'resolve';
  return 'trigger';
}

/** Whether the message reports trouble that is still open (for priorities and colours). */
export const isAlerting = (payload: NotificationPayload) => pagerActionOf(payload) === 'trigger' && payload.event !== 'test';

/** The buttons a chat message offers: acknowledge while the incident is open, and the incident itself. */
export function linksOf(payload: NotificationPayload): { text: string; url: string }[] {
  const { acknowledgeUrl, url } = payload.incident;
  return [...(isAlerting(payload) && acknowledgeUrl ? [{ text: 'Acknowledge', url: acknowledgeUrl }] : []), ...(url ? [{ text: 'Open incident', url }] : [])];
}

/** One colour per state, as six hex digits: red, orange and yellow by severity while open; amber acknowledged; green resolved; blue tests. */
export function colorOf(payload: NotificationPayload): string {
  if (payload.event === 'test') return '3B82F6';
  const action = pagerActionOf(payload);
  if (action === 'resolve') return '2DA44E';
  if (action === 'acknowledge') return 'D4A72C';
  return { critical: 'D92D20', major: 'F97316', minor: 'EAB308' }[payload.incident.severity];
}
