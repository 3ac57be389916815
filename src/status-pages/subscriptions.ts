import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import type { SecretBox } from '../lib/secrets.js';
import { confirmationMail, type Outgoing } from './messages.js';
import type { StatusPage } from './status-pages.service.js';
import { StatusPagesRepository, type SubscriberRow } from './status-pages.repository.js';
import { Outbox } from '../notify/outbox.service.js';
import { SUBSCRIBER } from './sender.js';
import { withStatusTables, type MessageKind } from './tables.js';

type Purpose = 'confirm' | 'unsubscribe';

const emailInput = z.object({
  email: z.email({ error: 'expected an email address like "name@example.com"' }).max(254),
  /** Component names; none means the whole page. */
  components: z.union([z.string(), z.array(z.string())]).optional(),
});

export const webhookSubscriberSchema = z
  .object({
    type: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
    /** Signs every body like the webhook channel: X-Upkeep-Signature: sha256=<hex HMAC-SHA256>. */
    secret: z.string().min(16, 'a webhook secret is at least 16 characters'),
    components: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict()
  .meta({ examples: [{ type: 'webhook', url: 'https://hooks.example.com/status', secret: 'a-long-random-secret-of-yours' }] });

/** Whether a subscriber wants news of these components (no choice means all of them). */
export function wants(sub: SubscriberRow, components: readonly string[]): boolean {
  if (!components.length) return false;
  if (sub.components === null) return true;
  const chosen = JSON.parse(sub.components) as string[];
  return components.some((c) => chosen.includes(c));
}

/** Queues one message for a subscriber, in the caller's transaction (`outbox.in(trx)`); the outbox delivers it at least once. */
export async function enqueue(outbox: Outbox, subscriberId: number, kind: MessageKind, outgoing: Outgoing, now: number): Promise<void> {
  await outbox.queue([
    {
      to: { recipient: SUBSCRIBER, recipientId: subscriberId, name: 'status page subscriber' },
      event: kind,
      payload: JSON.stringify(outgoing),
      dueAt: now,
      createdAt: now,
    },
  ]);
}

/**
 * Email subscriptions with double opt-in, and the links in every message. A link is the
 * subscriber's id and an HMAC over its purpose, id and nonce: nothing secret is stored, and a new
 * subscription (a new nonce) voids the links sent before. Whether an address is subscribed is
 * never revealed: subscribing answers the same either way.
 */
export class Subscriptions {
  private readonly key: Buffer;
  private readonly outbox: Outbox;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly wake: () => void,
  ) {
    this.key = box.derive('status page subscriptions');
    this.outbox = new Outbox(db);
  }

  token(purpose: Purpose, sub: Pick<SubscriberRow, 'id' | 'nonce'>): string {
    return `${sub.id}.${createHmac('sha256', this.key).update(`${purpose}:${sub.id}:${sub.nonce}`).digest('base64url')}`;
  }

  links(sub: Pick<SubscriberRow, 'id' | 'nonce'>, pageUrl: string) {
    const base = pageUrl.replace(/\/+$/, '');
    return {
      page: pageUrl,
      unsubscribe: `${base}/unsubscribe?token=${this.token('unsubscribe', sub)}`,
      confirm: `${base}/confirm?token=${this.token('confirm', sub)}`,
    };
  }

  /** The subscriber a link is for, if the link is genuine and still valid for this page. */
  async fromToken(page: StatusPage, purpose: Purpose, token: unknown): Promise<SubscriberRow | undefined> {
    if (typeof token !== 'string' || !/^\d{1,12}\.[\w-]{43}$/.test(token)) return undefined;
    const sub = await new StatusPagesRepository(withStatusTables(this.db)).subscriber(Number(token.split('.')[0]));
    if (!sub || sub.page_id !== page.id) return undefined;
    const expected = Buffer.from(this.token(purpose, sub));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given) ? sub : undefined;
  }

  /** A new or repeated email subscription: (re)sends the confirmation unless the address is confirmed already. */
  async subscribe(page: StatusPage, input: unknown, pageUrl: string): Promise<void> {
    const { email, components } = parseInput(emailInput, input);
    const chosen = components === undefined ? [] : [components].flat().filter(Boolean);
    const unknown = chosen.find((c) => !page.spec.components.some((pc) => pc.name === c));
    if (unknown !== undefined) throw new AppError('invalid_input', `components: this page has no component named "${unknown}"`);
    const address = email.toLowerCase();
    const stored = chosen.length ? JSON.stringify(chosen) : null;
    await this.db.transaction().execute(async (trx) => {
      const db = withStatusTables(trx);
      const repo = new StatusPagesRepository(db);
      const now = this.clock.now();
      const nonce = randomBytes(12).toString('base64url');
      const existing = await repo.subscriberByAddress(page.id, 'email', address);
      if (existing?.confirmed_at) return;
      const id =
        existing?.id ??
        (await repo.addSubscriber({ page_id: page.id, kind: 'email', address, secret: null, components: stored, nonce, confirmed_at: null, created_at: now }));
      if (existing) await repo.renewSubscriber(id, nonce, stored);
      await enqueue(this.outbox.in(trx), id, 'confirm', confirmationMail(page.spec, address, this.links({ id, nonce }, pageUrl).confirm, pageUrl), now);
    });
    this.wake();
  }

  async confirm(sub: SubscriberRow): Promise<void> {
    await new StatusPagesRepository(withStatusTables(this.db)).confirmSubscriber(sub.id, this.clock.now());
  }

  async unsubscribe(sub: SubscriberRow): Promise<void> {
    await new StatusPagesRepository(withStatusTables(this.db)).deleteSubscriber(sub.id);
  }

  /** Every subscriber of a page, confirmed or not. */
  list(page: StatusPage): Promise<SubscriberRow[]> {
    return new StatusPagesRepository(withStatusTables(this.db)).subscribers(page.id, false);
  }

  /** Removes a page's subscriber; one of another page is not found. */
  async remove(pageId: number, subscriberId: number): Promise<void> {
    const repo = new StatusPagesRepository(withStatusTables(this.db));
    const sub = await repo.subscriber(subscriberId);
    if (!sub || sub.page_id !== pageId) throw new AppError('not_found', `status page ${pageId} has no subscriber ${subscriberId}`);
    await repo.deleteSubscriber(subscriberId);
  }

  /** A webhook subscriber added in the API: confirmed at once (a token holder chose the URL), its secret sealed. */
  async addWebhook(page: StatusPage, input: unknown): Promise<SubscriberRow> {
    const spec = parseInput(webhookSubscriberSchema, input);
    const unknown = spec.components?.find((c) => !page.spec.components.some((pc) => pc.name === c));
    if (unknown !== undefined) throw new AppError('invalid_input', `components: this page has no component named "${unknown}"`);
    const repo = new StatusPagesRepository(withStatusTables(this.db));
    if (await repo.subscriberByAddress(page.id, 'webhook', spec.url)) throw new AppError('conflict', `${spec.url} is subscribed to this page already`);
    const now = this.clock.now();
    const id = await repo.addSubscriber({
      page_id: page.id,
      kind: 'webhook',
      address: spec.url,
      secret: this.box.seal(spec.secret),
      components: spec.components ? JSON.stringify(spec.components) : null,
      nonce: randomBytes(12).toString('base64url'),
      confirmed_at: now,
      created_at: now,
    });
    return (await repo.subscriber(id))!;
  }
}
