import type { FastifyInstance } from 'fastify';
import type { Core } from '../app.js';
import type { Config } from '../config/schema.js';
import type { LiveHub } from '../http/live.js';
import { Attempts } from '../status-pages/access.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import { feedbackRoutes } from './feedback.routes.js';
import { FeedbackInbox } from './inbox.service.js';
import { FeedbackIntake } from './intake.service.js';
import { feedbackPublicRoutes } from './public.routes.js';
import { DailySalt, FormTokens } from './tokens.js';

export interface Feedback {
  intake: FeedbackIntake;
  inbox: FeedbackInbox;
  /** The widget, its form and the intake: no credentials. */
  publicRoutes(app: FastifyInstance): Promise<void>;
  /** Widgets, inboxes and ratings under /api/v1. */
  apiRoutes(api: FastifyInstance): void;
  /** Deletes reports past `feedback.retention` now and every hour. */
  start(): void;
  stop(): Promise<void>;
}

const HOUR = 3_600_000;

/** Visitors' feedback over an open core: the public intake, the inboxes, live events and the retention job. */
export function createFeedback(core: Core, config: Config, deps: { live: LiveHub; wake: () => void }): Feedback {
  const log = core.logger.child({ component: 'feedback' });
  const now = () => core.clock.now();
  const settings = config.feedback;
  const base = config.server.publicUrl?.replace(/\/+$/, '');
  const inbox = new FeedbackInbox(core.storage.db, core.clock);
  const intake = new FeedbackIntake({
    db: core.storage.db,
    tokens: new FormTokens(core.secrets.derive('feedback form tokens'), now),
    salt: new DailySalt(now),
    perAddress: new Attempts(settings.limits.perAddress, now),
    perSite: new Attempts(settings.limits.perSite, now),
    config: settings,
    clock: core.clock,
    inboxUrl: (siteId) => (base ? `${base}/sites/${siteId}/feedback` : null),
    stored: ({ siteId, id, spike }) => {
      deps.live.publish({ type: 'feedback', siteId, data: { siteId, feedbackId: id, spike } });
      if (spike) deps.wake();
    },
  });
  let purging: Repeating | undefined;
  const purge = async () => {
    const deleted = await inbox.purge(settings.retention);
    if (deleted) log.info({ deleted }, 'feedback past its retention deleted');
  };
  return {
    intake,
    inbox,
    async publicRoutes(app) {
      await app.register(async (scope) => feedbackPublicRoutes(scope, intake));
    },
    apiRoutes(api) {
      feedbackRoutes(api, { inbox, sites: core.sites, publicUrl: config.server.publicUrl });
    },
    start() {
      purging = repeat(HOUR, purge, { log, what: 'deleting old feedback', now: true });
    },
    async stop() {
      await purging?.stop();
    },
  };
}
