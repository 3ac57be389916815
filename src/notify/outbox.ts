import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { describeError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ChannelSpec } from './channel.schema.js';
import type { ChannelCodec } from './channel-codec.js';
import { ChannelsRepository } from './channels.repository.js';
import type { Delivery, DeliveryContext, NotificationPayload } from './notification.js';
import { OutboxRepository, type NotificationRow } from './outbox.repository.js';

export type DeliverFn = (spec: ChannelSpec, payload: NotificationPayload, ctx: DeliveryContext) => Promise<Delivery>;

export interface SenderOptions {
  /** The first retry waits about this long; each next one twice as long (±20 %), up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** After this many failed attempts a message is given up (and stays in the log as failed). */
  maxAttempts: number;
  /** How long a claimed message is held by its sender before another may take it. */
  leaseMs: number;
  /** The whole of one attempt. */
  deadlineMs: number;
  /** Messages per minute per channel (a token bucket holding up to `burst`). */
  perMinute: number;
  burst: number;
  /** At start, forget leases held by a previous run of this process (true for SQLite: one process). */
  releaseLeasesOnStart: boolean;
}

export const defaultSenderOptions: Omit<SenderOptions, 'releaseLeasesOnStart'> = {
  baseDelayMs: 5_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 20,
  leaseMs: 60_000,
  deadlineMs: 30_000,
  perMinute: 30,
  burst: 10,
};

/** Exponential backoff with ±20 % jitter, so many failing messages do not retry in step. */
export function backoff(attempt: number, o: Pick<SenderOptions, 'baseDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  return Math.round(Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1)) * (0.8 + 0.4 * random()));
}

/**
 * Delivers the outbox at least once: claims due messages (a lease, so several instances can share a
 * database), sends each through its channel, logs every attempt, and retries what can be retried
 * with exponential backoff, honouring Retry-After, within a rate limit per channel (restored from
 * the delivery log at start). A channel gets the messages of one incident in order: a message waits
 * while an earlier one is still pending; one given up for good no longer holds the next. A message
 * keeps its id across attempts, so receivers can drop repeats.
 */
export class OutboxSender {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly buckets = new Map<number, { tokens: number; at: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly codec: ChannelCodec,
    private readonly deliver: DeliverFn,
    private readonly contexts: (signal: AbortSignal) => DeliveryContext,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: SenderOptions,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    const now = this.clock.now();
    const repo = new OutboxRepository(this.db);
    if (this.options.releaseLeasesOnStart) await repo.releaseLeases(now, now + this.options.leaseMs);
    await this.restoreRateLimits(repo, now);
    this.schedule(0);
  }

  /**
   * Replays the recent delivery log into the rate limits, so a restart does not hand every channel a
   * fresh burst. Replaying from a few refill times back is exact once a bucket was full in that span.
   */
  private async restoreRateLimits(repo: OutboxRepository, now: number): Promise<void> {
    const refillMs = (this.options.burst / this.options.perMinute) * 60_000;
    for (const send of await repo.sendsSince(now - Math.max(60_000, 3 * refillMs))) if (send.channel_id !== null) this.takeToken(send.channel_id, send.at);
  }

  /** Looks at the outbox now (after a transaction added to it). */
  wake(): void {
    if (!this.stopped) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.running) return this.schedule(100);
      this.running = this.runOnce()
        .catch((err: unknown) => this.log.error({ err }, 'sending notifications failed; will try again'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) void this.nextWake();
        });
    }, ms);
    this.timer.unref();
  }

  private async nextWake(): Promise<void> {
    const next = await new OutboxRepository(this.db).nextDue().catch(() => undefined);
    this.schedule(Math.min(1_000, Math.max(0, (next ?? Infinity) - this.clock.now())));
  }

  /** One pass: every due message, up to eight at a time. */
  async runOnce(): Promise<void> {
    const repo = new OutboxRepository(this.db);
    const due = await repo.due(this.clock.now(), 200);
    const queue = [...due];
    await Promise.all(
      Array.from({ length: Math.min(8, queue.length) }, async () => {
        for (let row = queue.shift(); row; row = queue.shift()) await this.attempt(row);
      }),
    );
  }

  private takeToken(channelId: number, now: number): number {
    const b = this.buckets.get(channelId) ?? { tokens: this.options.burst, at: now };
    const perMs = this.options.perMinute / 60_000;
    b.tokens = Math.min(this.options.burst, b.tokens + (now - b.at) * perMs);
    b.at = now;
    this.buckets.set(channelId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / perMs);
  }

  private async attempt(row: NotificationRow): Promise<void> {
    const repo = new OutboxRepository(this.db);
    const now = this.clock.now();
    if (!(await repo.claim(row.id, now, now + this.options.leaseMs))) return;
    const channelRow = row.channel_id === null ? undefined : await new ChannelsRepository(this.db).get(row.channel_id);
    if (!channelRow) {
      await repo.finish(row.id, { status: 'cancelled', next_attempt_at: now, last_error: `channel "${row.channel_name}" no longer exists` });
      return;
    }
    const wait = this.takeToken(channelRow.id, now);
    if (wait > 0) {
      await repo.finish(row.id, { next_attempt_at: now + wait });
      return;
    }
    const spec = this.codec.fromRow(channelRow).spec;
    const started = performance.now();
    let outcome: Delivery;
    try {
      const ctx = this.contexts(AbortSignal.timeout(this.options.deadlineMs + 1_000));
      const allowPrivate = spec.allowPrivateTargets ?? ctx.policy.allowPrivate;
      outcome = await this.deliver(spec, JSON.parse(row.payload) as NotificationPayload, {
        ...ctx,
        policy: { ...ctx.policy, allowPrivate },
        deadlineMs: this.options.deadlineMs,
      });
    } catch (err) {
      outcome = { ok: false, retryable: true, message: `the channel failed unexpectedly: ${describeError(err)}` };
    }
    const at = this.clock.now();
    const attempts = row.attempts + 1;
    await repo.addAttempt({
      notification_id: row.id,
      at,
      ok: outcome.ok ? 1 : 0,
      status_code: outcome.status ?? null,
      message: outcome.ok ? (outcome.detail ?? null) : outcome.message,
      duration_ms: Math.round(performance.now() - started),
    });
    if (outcome.ok) {
      await repo.finish(row.id, { status: 'delivered', attempts, delivered_at: at, next_attempt_at: at, last_error: null });
      return;
    }
    if (!outcome.retryable || attempts >= this.options.maxAttempts) {
      this.log.warn({ notification: row.id, channel: row.channel_name, attempts, reason: outcome.message }, 'notification given up');
      await repo.finish(row.id, { status: 'failed', attempts, next_attempt_at: at, last_error: outcome.message });
      return;
    }
    const delay = outcome.retryAfterMs !== undefined ? Math.min(outcome.retryAfterMs, this.options.maxDelayMs) : backoff(attempts, this.options);
    await repo.finish(row.id, { attempts, next_attempt_at: at + delay, last_error: outcome.message });
  }
}
