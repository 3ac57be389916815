import type { Kysely } from 'kysely';
import { parseInput } from '../config/validate.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { queueNotice } from '../notify/notice.js';
import type { Attempts } from '../status-pages/access.js';
import { clientKey } from '../status-pages/password-throttle.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { submission, type FeedbackConfig } from './feedback.schema.js';
import { FeedbackRepository } from './feedback.repository.js';
import type { DailySalt, FormTokens, TokenProblem } from './tokens.js';
import { withFeedbackTables } from './tables.js';

/** Where a report came from, as the HTTP layer saw it. Nothing of it is stored but a salted hash of the address. */
export interface Sender {
  ip: string;
  userAgent: string | undefined;
}

export interface IntakeDeps {
  db: Kysely<Database>;
  tokens: FormTokens;
  salt: DailySalt;
  perAddress: Attempts;
  perSite: Attempts;
  config: FeedbackConfig;
  clock: Clock;
  /** The site's inbox in the dashboard, for the notice of a spike. */
  inboxUrl: (siteId: number) => string | null;
  /** After a report is stored (live events; the outbox wakes when a spike was queued). */
  stored: (report: { siteId: number; id: number; spike: boolean }) => void;
}

const tokenWords: Record<TokenProblem, string> = {
  forged: 'this form is not genuine; reload the page and try again',
  expired: 'this form has expired; reload the page and try again',
  'too soon': 'sent too quickly; take a moment and send again',
  used: 'this form was sent already; reload the page to send another report',
};

/** A page address worth keeping: http(s) only, as sent. */
const pageUrlOf = (url: string | undefined) => {
  try {
    return url && /^https?:$/.test(new URL(url).protocol) ? url : null;
  } catch {
    return null;
  }
};

/**
 * The public intake of reports: rate limits first (every attempt counts), then the form's checks
 * (the honeypot, the signed token with its minimum fill time), then one transaction that stores the
 * report and, when it completes a spike, queues the notice to the channels.
 */
export class FeedbackIntake {
  constructor(private readonly deps: IntakeDeps) {}

  /** The widget of a public site key; 404 for any other. */
  async widget(siteKey: string): Promise<{ siteId: number; origins: string[] }> {
    const row = await new FeedbackRepository(withFeedbackTables(this.deps.db)).widgetByKey(siteKey);
    if (!row) throw new AppError('not_found', 'no feedback form here');
    return { siteId: row.site_id, origins: JSON.parse(row.origins) as string[] };
  }

  async token(siteKey: string): Promise<string> {
    return this.deps.tokens.issue((await this.widget(siteKey)).siteId);
  }

  async submit(siteKey: string, body: unknown, sender: Sender): Promise<{ id: number }> {
    const { siteId } = await this.widget(siteKey);
    const { limits } = this.deps.config;
    if (!this.deps.perAddress.allow(clientKey(sender.ip)))
      throw new AppError('rate_limited', `too many reports from your address (at most ${limits.perAddress} a minute); try again in a minute`);
    if (!this.deps.perSite.allow(`site ${siteId}`))
      throw new AppError('rate_limited', `this site takes at most ${limits.perSite} reports a minute; try again in a minute`);
    const input = parseInput(submission, body);
    if (input.website)
      throw new AppError('invalid_input', 'refused: a field that people leave empty was filled', { details: [{ path: 'website', message: 'must be empty' }] });
    const problem = this.deps.tokens.take(input.token, siteId, { minFillMs: this.deps.config.minFillTime, ttlMs: this.deps.config.tokenTtl });
    if (problem) throw new AppError('invalid_input', tokenWords[problem], { details: [{ path: 'token', message: problem }] });
    if (input.wrong === undefined && input.rating === undefined && !input.comment.trim())
      throw new AppError('invalid_input', 'say something: whether something went wrong, a rating or a comment', {
        details: [{ path: 'comment', message: 'empty' }],
      });
    const now = this.deps.clock.now();
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const repo = new FeedbackRepository(withFeedbackTables(trx));
      const id = await repo.insert({
        site_id: siteId,
        went_wrong: input.wrong === undefined ? null : input.wrong ? 1 : 0,
        rating: input.rating ?? null,
        comment: input.comment.trim(),
        email: input.email || null,
        page_url: pageUrlOf(input.url),
        user_agent: sender.userAgent?.slice(0, 500) ?? null,
        reporter: this.deps.salt.reporter(sender.ip),
        state: 'new',
        tags: '[]',
        incident_id: null,
        created_at: now,
        updated_at: now,
      });
      return { id, spike: await this.spike(trx, siteId, now) };
    });
    this.deps.stored({ siteId, ...result });
    return { id: result.id };
  }

  /** Whether this report completes a spike not told yet (once per window); if so, the notice is queued. */
  private async spike(trx: Kysely<Database>, siteId: number, now: number): Promise<boolean> {
    const { reports, window } = this.deps.config.spike;
    const repo = new FeedbackRepository(withFeedbackTables(trx));
    const count = await repo.countSince(siteId, now - window);
    if (count < reports) return false;
    const last = await repo.lastSpike(siteId);
    if (last !== undefined && last > now - window) return false;
    await repo.saveSpike(siteId, now, count);
    const site = await new SitesRepository(trx).getSite(siteId);
    const spec = JSON.parse(site!.spec) as { url?: string; tags?: string[] };
    const minutes = Math.round(window / 60_000);
    await queueNotice(
      trx,
      this.deps.config.channels ?? [],
      {
        key: `upkeep-feedback-spike-${siteId}-${now}`,
        title: `Feedback spike on ${site!.name}: maybe an incident`,
        summary: `${count} reports from visitors in ${minutes} minutes (the alert is at ${reports}); have a look, and open an incident if something is wrong`,
        site: { id: siteId, name: site!.name, url: spec.url ?? null, tags: spec.tags ?? [] },
        url: this.deps.inboxUrl(siteId),
      },
      now,
    );
    return true;
  }
}
