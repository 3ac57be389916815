import type { FastifyInstance } from 'fastify';
import type { Core } from '../app.js';
import type { Config } from '../config/schema.js';
import type { Incidents } from '../incidents/index.js';
import type { MonitoringEngine } from '../monitoring/engine.js';
import { ConfigObjectsService } from '../incidents/config-objects.service.js';
import type { OutboxSender } from '../notify/outbox.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import { Attempts, PageAccess } from './access.js';
import { MaintenanceAnnouncer } from './announcer.js';
import { statusPagesApiRoutes } from './api.routes.js';
import { badgeRoutes } from './badges.js';
import { FastPath } from './fast-path.js';
import { ownHostRefusal } from './own-hosts.js';
import { PublicPages } from './pages.js';
import { publicRoutes } from './public.routes.js';
import { SUBSCRIBER, subscriberRecipients } from './sender.js';
import { messageTemplateSchema, type StatusPageSpec } from './status-page.schema.js';
import { StatusPagesService } from './status-pages.service.js';
import { StatusPagesRepository } from './status-pages.repository.js';
import { subscribeRoutes } from './subscribe.routes.js';
import { Subscriptions } from './subscriptions.js';
import { withStatusTables } from './tables.js';
import { IncidentUpdates } from './updates.service.js';
import { DailyUptime } from './uptime.js';

export interface StatusPages {
  pages: PublicPages;
  /** Answers repeat requests for public pages before Fastify sees them (the HTTP server asks it first). */
  fast: FastPath;
  updates: IncidentUpdates;
  announcer: MaintenanceAnnouncer;
  /** Public routes (pages, feeds, badges, subscriptions): no token needed. */
  publicRoutes(app: FastifyInstance): Promise<void>;
  /** Management routes, registered under /api/v1 (bearer token). */
  apiRoutes(api: FastifyInstance): Promise<void>;
  /** Custom domains: a request to a page's domain is served from its /status/<slug> routes. */
  rewriteUrl(host: string | undefined, url: string): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Paths that stay what they are on a custom domain. */
const GLOBAL = /^\/(status|badge)\//;

/**
 * Status pages over the running engine and incidents: the public pages with their cache, the
 * management API, subscriptions (delivered by the outbox), the maintenance announcer.
 */
export function createStatusPages(
  core: Core,
  config: Config,
  engine: MonitoringEngine,
  incidents: Incidents,
  /** The outbox's sender: it delivers what subscribers are sent, as it does channel messages. */
  outbox: OutboxSender,
  /** Whether this node announces maintenance to subscribers; in a cluster one node does. */
  leadsAnnouncer: () => boolean = () => true,
  /** How often the pages are read again when they changed: every second alone, a slow safety poll in a cluster (told of changes). */
  refreshMs = 1_000,
): StatusPages {
  const log = core.logger.child({ component: 'status-pages' });
  const now = () => core.clock.now();
  const pages = new PublicPages(
    core.storage.db,
    core.statusPageCodec,
    {
      db: core.storage.db,
      status: (id) => engine.stateOf(id)?.state.status,
      uptime: new DailyUptime((id, from, to) => engine.results.summary(id, from, to)),
      upcoming: (from, to) => incidents.calendar.upcoming(from, to),
      now,
    },
    log,
  );
  const access = new PageAccess(core.secrets.derive('status page sessions'), now);
  const attempts = new Attempts(10, now);
  const repo = new StatusPagesRepository(withStatusTables(core.storage.db));
  outbox.addRecipients(SUBSCRIBER, subscriberRecipients({ email: config.email, box: core.secrets, subscriber: (id) => repo.subscriber(id) }));
  const wake = () => outbox.wake();
  const subscriptions = new Subscriptions(core.storage.db, core.secrets, core.clock, wake);
  const pageUrl = (spec: StatusPageSpec) => pageUrlOf(spec, config);
  const updates = new IncidentUpdates({
    db: core.storage.db,
    incidents: incidents.service,
    pages,
    subscriptions,
    pageUrl,
    clock: core.clock,
    wake,
  });
  const announcer = new MaintenanceAnnouncer({
    db: core.storage.db,
    pages,
    upcoming: (from, to) => incidents.calendar.upcoming(from, to),
    subscriptions,
    pageUrl,
    clock: core.clock,
    wake,
  });
  const ownHosts = { publicUrl: config.server.publicUrl, listenHost: config.server.host };
  const fast = new FastPath();
  const publicDeps = { pages, access, attempts, publicUrl: config.server.publicUrl, canSubscribe: config.email !== undefined, fast };
  incidents.service.onChanged(() => pages.invalidate());
  engine.results.onCommitted((events) => {
    if (events.length) pages.invalidate();
  });
  let refreshing: Repeating | undefined;
  let announcing: Repeating | undefined;
  return {
    pages,
    fast,
    updates,
    announcer,
    async publicRoutes(app) {
      await app.register(async (scope) => {
        // Forms post url-encoded bodies; only these routes read them.
        scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
          // A field sent more than once (checked components) becomes a list.
          const form: Record<string, string | string[]> = {};
          for (const [key, value] of new URLSearchParams(body as string)) {
            const seen = form[key];
            form[key] = seen === undefined ? value : [seen, value].flat();
          }
          done(null, form);
        });
        publicRoutes(scope, publicDeps);
        subscribeRoutes(scope, { ...publicDeps, subscriptions, pageUrl });
        badgeRoutes(
          scope,
          {
            isPublic: (id) => pages.isPublicMonitor(id),
            status: (id) => engine.stateOf(id)?.state.status,
            summary: (id, from, to) => engine.results.summary(id, from, to),
            now,
          },
          pages,
          fast,
        );
      });
    },
    async apiRoutes(api) {
      await statusPagesApiRoutes(api, {
        service: new StatusPagesService(core.storage.db, core.statusPageCodec, core.clock, ownHosts),
        updates,
        templates: new ConfigObjectsService(core.storage.db, core.clock, 'message-template', messageTemplateSchema, 'message template'),
        subscriptions,
        incidents: incidents.service,
        sites: core.sites,
        changed: () => pages.refresh(),
      });
    },
    rewriteUrl(host, url) {
      const slug = pages.slugForHost(host);
      // A page stored before its domain was refused never takes the instance's own address.
      if (!slug || GLOBAL.test(url) || ownHostRefusal(host!, ownHosts)) return url;
      const [path, query] = [url.split('?')[0]!, url.includes('?') ? url.slice(url.indexOf('?')) : ''];
      return `/status/${slug}${path === '/' ? '' : path}${query}`;
    },
    async start() {
      if (config.email && !config.server.publicUrl)
        log.warn(
          { listenAddress: `http://${config.server.host}:${config.server.port}` },
          "server.publicUrl is not set: links in subscriber emails use a page's first custom domain, else this listen address; set server.publicUrl to where people reach Upkeep",
        );
      await pages.refresh(true);
      refreshing = repeat(refreshMs, () => pages.refresh(), { log, what: 'reading status pages' });
      announcing = repeat(60_000, () => leadsAnnouncer() && announcer.tick(), { log, what: 'announcing maintenance', now: true });
    },
    async stop() {
      await refreshing?.stop();
      await announcing?.stop();
    },
  };
}

/**
 * A page's address for links in messages: server.publicUrl, else its first custom domain, else this
 * server's listen address. Never the Host header of a request: whoever subscribes an address would
 * choose where its confirmation and unsubscribe links (with their tokens) point.
 */
export function pageUrlOf(spec: StatusPageSpec, config: Pick<Config, 'server'>): string {
  if (config.server.publicUrl) return `${config.server.publicUrl.replace(/\/+$/, '')}/status/${spec.slug}`;
  if (spec.domains?.length) return `https://${spec.domains[0]}/`;
  return `http://${config.server.host}:${config.server.port}/status/${spec.slug}`;
}
