import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { describeError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { SecretBox } from '../lib/secrets.js';
import { domainOf, sendMail } from '../notify/channels/email.js';
import { send } from '../notify/channels/http.js';
import { webhookRequest } from '../notify/channels/webhook.js';
import type { Delivery, DeliveryContext } from '../notify/notification.js';
import { backoff } from '../notify/outbox.js';
import type { Outgoing } from './messages.js';
import type { EmailSettings } from './status-page.schema.js';
import { withStatusTables, type StatusDb } from './tables.js';

export interface SubscriptionSenderOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  leaseMs: number;
}

export const defaultSubscriptionSender: SubscriptionSenderOptions = { baseDelayMs: 5_000, maxDelayMs: 3_600_000, maxAttempts: 12, leaseMs: 60_000 };

/**
 * Delivers what subscribers are sent (status_messages) at least once: emails through the
 * instance's `email:` sender on the email channel's guarded SMTP client, webhooks signed like the
 * webhook channel through the guarded HTTP client. Failures are retried with the outbox's backoff;
 * a row is claimed by pushing its time past a lease, so several instances can share the work.
 */
export class SubscriptionSender {
  private readonly db: StatusDb;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    db: Kysely<Database>,
    private readonly email: EmailSettings | undefined,
    private readonly box: SecretBox,
    private readonly context: () => DeliveryContext,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: SubscriptionSenderOptions = defaultSubscriptionSender,
  ) {
    this.db = withStatusTables(db);
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), 1_000);
    this.timer.unref();
    this.wake();
  }

  /** Looks at the queue now (a run in progress looks again when it ends). */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runOnce()
      .catch((err: unknown) => this.log.error({ err }, 'sending subscriber messages failed; will try again'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async runOnce(): Promise<void> {
    const now = this.clock.now();
    const due = await this.db
      .selectFrom('status_messages')
      .innerJoin('status_subscribers', 'status_subscribers.id', 'status_messages.subscriber_id')
      .select(['status_messages.id', 'status_messages.payload', 'status_messages.attempts', 'status_subscribers.secret'])
      .where('status_messages.status', '=', 'pending')
      .where('status_messages.next_attempt_at', '<=', now)
      .orderBy('status_messages.next_attempt_at')
      .limit(100)
      .execute();
    for (const row of due) {
      const claimed = await this.db
        .updateTable('status_messages')
        .set({ next_attempt_at: now + this.options.leaseMs })
        .where('id', '=', row.id)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      const outcome = await this.deliver(JSON.parse(row.payload) as Outgoing, row.id, row.secret).catch((err: unknown): Delivery => ({
        ok: false,
        retryable: true,
        message: describeError(err),
      }));
      const at = this.clock.now();
      const attempts = row.attempts + 1;
      const done = outcome.ok || !outcome.retryable || attempts >= this.options.maxAttempts;
      if (!outcome.ok) this.log.warn({ message: row.id, attempts, reason: outcome.message, givenUp: done }, 'subscriber message not delivered');
      await this.db
        .updateTable('status_messages')
        .set({
          attempts,
          status: outcome.ok ? 'delivered' : done ? 'failed' : 'pending',
          delivered_at: outcome.ok ? at : null,
          last_error: outcome.ok ? null : outcome.message,
          next_attempt_at: done ? at : at + (outcome.retryAfterMs ?? backoff(attempts, this.options)),
        })
        .where('id', '=', row.id)
        .execute();
    }
  }

  private async deliver(message: Outgoing, id: string, sealedSecret: string | null): Promise<Delivery> {
    const ctx = this.context();
    if (message.channel === 'webhook') {
      if (!sealedSecret) return { ok: false, retryable: false, message: 'the webhook subscriber has no secret' };
      const { body, headers } = webhookRequest(message.body, this.box.open<string>(sealedSecret));
      return send(message.url, { headers: { ...headers, 'content-type': 'application/json' }, raw: body }, { type: 'webhook' }, ctx);
    }
    if (!this.email) return { ok: false, retryable: false, message: 'no email sender: add an "email:" section to the config' };
    const mail = {
      from: this.email.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: `<${id}@${domainOf(this.email.from)}>`,
      headers: message.headers,
    };
    return sendMail(this.email.smtp, mail, ctx, { ...ctx.policy, allowPrivate: ctx.policy.allowPrivate || this.email.allowPrivateTargets === true });
  }
}
