import { describeError } from '../lib/errors.js';
import { createResolver, type Resolver } from '../lib/net/index.js';
import type { ChannelSpec, ChannelType } from './channel.schema.js';
import { channelKinds } from './channel.schema.js';
import type { ChannelPlugin, Message } from './channels/plugin.js';
import { webhookRequest } from './channels/webhook.js';
import type { Delivery, DeliveryContext, NotificationEvent, NotificationPayload } from './notification.js';
import { renderMessage, type TemplateOverrides, type TextFormat } from './templates.js';

const pluginOf = (type: ChannelType) => channelKinds.get(type).behaviour as ChannelPlugin<ChannelType>;
const overridesOf = (spec: ChannelSpec): TemplateOverrides => ('templates' in spec && spec.templates) || {};

function messageFor(spec: ChannelSpec, payload: NotificationPayload, format: TextFormat, overrides = overridesOf(spec)): Message {
  return { ...renderMessage(payload, format, overrides), text: renderMessage(payload, 'plain', overrides) };
}

/**
 * Sends one notification on one channel: renders the channel's templates for the event (defaults
 * where it has none) and hands the message to the channel's plugin. Never throws: a failure is a
 * Delivery saying whether another try can help (and when, for 429s with Retry-After).
 *
 * @example
 * const delivery = await deliver(channel.spec, payload, { policy: { allowPrivate: false }, resolver, signal, deadlineMs: 15_000 });
 * if (!delivery.ok && delivery.retryable) retryIn(delivery.retryAfterMs ?? backoff(attempt));
 */
export async function deliver(spec: ChannelSpec, payload: NotificationPayload, ctx: DeliveryContext): Promise<Delivery> {
  try {
    const plugin = pluginOf(spec.type);
    return await plugin.send(spec, messageFor(spec, payload, plugin.format ?? 'plain'), payload, ctx);
  } catch (err) {
    // Plugins turn provider failures into Deliveries; reaching here means our own bug, which a retry will not fix.
    return { ok: false, retryable: false, message: `${spec.type}: could not send: ${describeError(err)}` };
  }
}

export interface Preview {
  /** How title and body are escaped ("json" for the webhook, whose body is the signed JSON). */
  format: TextFormat | 'json';
  title: string;
  body: string;
}

/** What a kind of channel would send for this payload with these templates, without sending. */
export function previewFor(type: ChannelType, payload: NotificationPayload, overrides: TemplateOverrides = {}): Preview {
  const format = pluginOf(type).format;
  if (format === null) {
    const { body } = webhookRequest(payload, 'preview');
    return { format: 'json', title: payload.event, body: JSON.stringify(JSON.parse(body), null, 2) };
  }
  const { title, body } = renderMessage(payload, format, overrides);
  return { format, title, body };
}

/**
 * What a channel would send for an event, without sending: the rendered title and body (the
 * webhook's JSON body for webhooks). `overrides` replace the channel's own templates of an event, for editors.
 */
export function renderPreview(spec: ChannelSpec, event: NotificationEvent, payload: NotificationPayload, overrides: TemplateOverrides = {}): Preview {
  return previewFor(spec.type, { ...payload, event }, { ...overridesOf(spec), ...overrides });
}

export interface DeliverySettings {
  /** network.allowPrivateTargets (or --allow-private): channels may reach private addresses. */
  allowPrivate: boolean;
  /** network.resolvers. */
  resolvers?: readonly string[] | undefined;
  /** PEM text of network.caFiles. */
  ca?: readonly string[] | undefined;
  /** The whole of one send. Default 15 s. */
  deadlineMs?: number;
}

/** Builds DeliveryContexts from the installation's network settings, with one resolver for all sends. */
export function deliveryContexts(settings: DeliverySettings): (signal?: AbortSignal) => DeliveryContext {
  const resolver: Resolver = createResolver({ ...(settings.resolvers?.length ? { servers: [...settings.resolvers] } : {}), timeoutMs: 2_500, tries: 2 });
  return (signal = new AbortController().signal) => ({
    policy: { allowPrivate: settings.allowPrivate },
    resolver,
    signal,
    deadlineMs: settings.deadlineMs ?? 15_000,
    ...(settings.ca ? { ca: settings.ca } : {}),
  });
}
