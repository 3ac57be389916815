import type { SecretBox } from '../lib/secrets.js';
import { domainOf, sendMail } from '../notify/channels/email.js';
import { send } from '../notify/channels/http.js';
import { webhookRequest } from '../notify/channels/webhook.js';
import type { Delivery, DeliveryContext } from '../notify/notification.js';
import type { RecipientKind } from '../notify/outbox.js';
import type { Outgoing } from './messages.js';
import type { EmailSettings } from './status-page.schema.js';
import type { SubscriberRow } from './status-pages.repository.js';

/** The outbox's name for status-page subscribers as recipients. */
export const SUBSCRIBER = 'subscriber';

/** Failed attempts before a subscriber's message is given up. */
const MAX_ATTEMPTS = 12;

/**
 * How the outbox delivers what subscribers are sent: emails through the instance's `email:` sender
 * on the email channel's guarded SMTP client, webhooks signed like the webhook channel through the
 * guarded HTTP client. Claims, leases, retries and the delivery log are the outbox's.
 */
export function subscriberRecipients(deps: {
  email: EmailSettings | undefined;
  box: SecretBox;
  subscriber: (id: number) => Promise<SubscriberRow | undefined>;
}): RecipientKind {
  return {
    maxAttempts: MAX_ATTEMPTS,
    async deliver(message, ctx) {
      const sub = await deps.subscriber(message.recipientId);
      if (!sub) return undefined;
      return deliverTo(sub, JSON.parse(message.payload) as Outgoing, message.id, ctx, deps);
    },
  };
}

async function deliverTo(
  sub: SubscriberRow,
  message: Outgoing,
  id: string,
  ctx: DeliveryContext,
  deps: { email: EmailSettings | undefined; box: SecretBox },
): Promise<Delivery> {
  if (message.channel === 'webhook') {
    if (!sub.secret) return { ok: false, retryable: false, message: 'the webhook subscriber has no secret' };
    const { body, headers } = webhookRequest(message.body, deps.box.open<string>(sub.secret));
    return send(message.url, { headers: { ...headers, 'content-type': 'application/json' }, raw: body }, { type: 'webhook' }, ctx);
  }
  const { email } = deps;
  if (!email) return { ok: false, retryable: false, message: 'no email sender: add an "email:" section to the config' };
  const mail = {
    from: email.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: `<${id}@${domainOf(email.from)}>`,
    headers: message.headers,
  };
  return sendMail(email.smtp, mail, ctx, { ...ctx.policy, allowPrivate: ctx.policy.allowPrivate || email.allowPrivateTargets === true });
}
