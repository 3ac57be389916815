import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Kysely } from 'kysely';
import type { Database } from './db/types.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AccountsService } from './accounts/accounts.service.js';
import type { ActivityLog } from './accounts/activity.js';
import { accountRoutes } from './accounts/accounts.routes.js';
import type { AuthService, SessionSettings } from './accounts/auth.service.js';
import type { OidcLogin } from './accounts/oidc.js';
import type { UsersService } from './accounts/users.service.js';
import type { AuditService } from './audits/audit.service.js';
import { auditsRoutes } from './audits/audits.routes.js';
import { backupsRoutes } from './backups/backups.routes.js';
import type { BackupJobsService } from './backups/jobs.service.js';
import type { Logger } from './lib/logger.js';
import type { SitesService } from './sites/sites.service.js';
import { sitesRoutes } from './sites/sites.routes.js';
import type { Registry } from 'prom-client';
import type { Clock } from './lib/clock.js';
import type { Probes } from './probes/index.js';
import type { MonitoringEngine } from './monitoring/engine.js';
import { monitoringRoutes } from './monitoring/monitoring.routes.js';
import { pingRoutes } from './monitoring/ping.routes.js';
import { AppError } from './lib/errors.js';
import type { Incidents } from './incidents/index.js';
import { ackRoutes } from './incidents/ack.routes.js';
import type { Updates } from './updates/index.js';
import { incidentsRoutes } from './incidents/incidents.routes.js';
import type { ChannelsService } from './notify/channels.service.js';
import { channelsRoutes } from './notify/channels.routes.js';
import { Outbox } from './notify/outbox.service.js';
import type { DeliveryContext } from './notify/notification.js';
import { Access, type Principal } from './accounts/access.js';
import { parseInput } from './config/validate.js';
import type { FastPath } from './status-pages/fast-path.js';
import type { StatusPages } from './status-pages/index.js';
import type { Feedback } from './feedback/index.js';
import type { Routines } from './routines/index.js';
import { kindsRoutes } from './kinds.routes.js';
import { runbooksRoutes } from './runbooks/runbooks.routes.js';
import { RunbooksService } from './runbooks/runbooks.service.js';
import { accessOf, registerApiAuth } from './http/auth.js';
import { liveRoutes, type LiveHub } from './http/live.js';
import { frameworkErrors, registerErrorHandling } from './http/errors.js';
import { errorSchema, operation } from './http/operation.js';
import { setupBody, setupOut } from './accounts/accounts.openapi.js';
import { dashboardRoutes } from './dashboard/dashboard.routes.js';
import { PortfolioService } from './dashboard/portfolio.service.js';
import { dashboardStatic } from './dashboard/static.js';
import type { ObjectivesService } from './objectives/objectives.service.js';
import { objectivesRoutes } from './objectives/objectives.routes.js';
import type { PrivacyRecords } from './privacy-records/index.js';

export interface HttpDeps {
  logger: Logger;
  db: Kysely<Database>;
  clock: Clock;
  accounts: AccountsService;
  auth: AuthService;
  users: UsersService;
  activity: ActivityLog;
  sessions: SessionSettings;
  oidc: OidcLogin | undefined;
  cookieSecret: Buffer;
  sites: SitesService;
  engine: MonitoringEngine;
  incidents: Incidents;
  channels: ChannelsService;
  /** Delivery contexts for "send test" (the network settings of the instance). */
  delivery: (signal?: AbortSignal) => DeliveryContext;
  /** Public status pages (their own routes outside /api/v1) and their management API. */
  statusPages?: StatusPages;
  /** Visitors' feedback: the widget and intake (public) and the inboxes (API). */
  feedback?: Feedback;
  /** Probes in several locations: their own routes, their management and what each location saw. */
  probes?: Probes;
  /** Recurring checklists per site (API only). */
  routines?: Routines;
  /** Site objectives (their state and history; they are written as part of the site). */
  objectives?: ObjectivesService;
  /** Monthly reports: the archive and the schedules. */
  reports?: { apiRoutes(api: FastifyInstance): void };
  /** GDPR records per site, kept current by the privacy audits (API only). */
  privacyRecords?: PrivacyRecords;
  /** Sites' updates: inventory, pending updates, runs, approvals (API) and signed approval links (public). */
  updates?: Updates;
  /** The site register and planned work (API only). */
  siteBook?: (api: FastifyInstance) => void;
  metrics: { registry: Registry; public: boolean };
  /** server.publicUrl: where people reach this server (absolute links in answers). */
  publicUrl?: string | undefined;
  /** server.trustProxy: the reverse proxies whose X-Forwarded-* headers give the client's address. */
  trustProxy?: boolean | string[];
  audits: AuditService;
  /** Backup jobs, snapshots and restores (absent in servers built without backups). */
  backups?: BackupJobsService;
  live: LiveHub;
  /** Whether the process can serve: the database answers and start-up has finished. */
  ready: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
  version: string;
}

/** zod validates inside the handlers; route schemas only describe the API (the OpenAPI document). */
function describeOnly(app: FastifyInstance): void {
  app.setValidatorCompiler(() => (value: unknown) => ({ value }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

/**
 * The Node server as Fastify would make it, except that cached public status pages are answered
 * first, without Fastify (see `FastPath`): a busy status page costs about what serving a file does.
 */
function withFastPath(fast: FastPath) {
  return (handler: (req: IncomingMessage, res: ServerResponse) => void, options: FastifyServerOptions) => {
    const server = createServer((req, res) => {
      if (!fast.serve(req, res)) handler(req, res);
    });
    server.keepAliveTimeout = options.keepAliveTimeout ?? 72_000;
    server.requestTimeout = options.requestTimeout ?? 0;
    server.setTimeout(options.connectionTimeout ?? 0);
    return server;
  };
}

/** Builds the HTTP server: API under /api/v1 (OpenAPI 3.1 at /api/v1/openapi.json, docs at /api/v1/docs), health at /healthz and /readyz. */
export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger and Fastify's logger type differ only in generics; tsc needs the cast, eslint's type view does not.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // One line per request only when debugging: at scale they would drown everything else.
    logController: new LogController({ disableRequestLogging: !deps.logger.isLevelEnabled('debug') }),
    return503OnClosing: true,
    frameworkErrors,
    trustProxy: deps.trustProxy ?? false,
    // A status page's custom domain is served from its /status/<slug> routes.
    ...(deps.statusPages
      ? {
          rewriteUrl: (req: { headers: { host?: string | undefined }; url?: string | undefined }) =>
            deps.statusPages!.rewriteUrl(req.headers.host, req.url ?? '/'),
          serverFactory: withFastPath(deps.statusPages.fast),
        }
      : {}),
  });
  describeOnly(app);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  registerErrorHandling(app);
  // Signed cookies (the single sign-on flow) use a key derived from the instance key.
  await app.register(cookie, { secret: deps.cookieSecret.toString('hex') });
  const access = (principal: Principal) => new Access(principal, deps.sites);
  registerApiAuth(app, { accounts: deps.accounts, auth: deps.auth, access });
  // Live streams outlive their request: an account change makes each check its caller again.
  const stopRechecks = deps.accounts.onChange(() => deps.live.recheckAll());
  app.addHook('onClose', async () => stopRechecks());
  deps.activity.register(app);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        // Over plain HTTP (a LAN address, no TLS in front) the dashboard's own scripts must not be fetched as https://.
        upgradeInsecureRequests: deps.publicUrl?.startsWith('https:') ? [] : null,
      },
    },
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const { ok, checks } = await deps.ready();
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });

  pingRoutes(app, deps.engine);
  await app.register(async (scope) => ackRoutes(scope, deps.incidents.service));
  await deps.statusPages?.publicRoutes(app);
  await deps.feedback?.publicRoutes(app);
  await deps.updates?.publicRoutes(app);
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    // Prometheus scrapes with a token unless the config makes the metrics public (metrics: { public: true }).
    if (!deps.metrics.public) {
      const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!token) throw new AppError('unauthorized', 'metrics need "Authorization: Bearer <token>", or metrics: { public: true } in the config');
      // The metrics name every monitor: they are for instance-wide accounts only.
      access(await deps.accounts.authenticateToken(token)).requireGlobal('read');
    }
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  await app.register(
    async (api) => {
      // One error schema for every error answer of the document (#/components/schemas/Error).
      api.addSchema(errorSchema);
      // A scope with schemas of its own gets new compilers: these too only describe.
      describeOnly(api);
      await api.register(swagger, {
        refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
        openapi: {
          openapi: '3.1.0',
          info: {
            title: 'Upkeep API',
            version: deps.version,
            description:
              'Sites, monitors and everything Upkeep keeps. Authenticate with `Authorization: Bearer <token>` (make one with `upkeep token create`).',
          },
          components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
          tags: [
            { name: 'sites' },
            { name: 'monitors' },
            { name: 'monitoring' },
            { name: 'incidents' },
            { name: 'maintenance' },
            { name: 'channels' },
            { name: 'audits' },
            { name: 'live' },
            { name: 'dashboard' },
            { name: 'session' },
            { name: 'account' },
            { name: 'tokens' },
            { name: 'users' },
            { name: 'activity' },
            { name: 'status pages' },
            { name: 'feedback' },
            { name: 'routines' },
            { name: 'runbooks' },
            { name: 'objectives' },
            { name: 'reports' },
            { name: 'site register' },
            { name: 'privacy records' },
            { name: 'planned work' },
            { name: 'backups' },
            { name: 'updates' },
            { name: 'kinds' },
          ],
        },
      });
      await api.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' }, staticCSP: true });
      api.get('/openapi.json', { schema: { hide: true } }, async () => api.swagger());
      accountRoutes(api, {
        accounts: deps.accounts,
        auth: deps.auth,
        users: deps.users,
        activity: deps.activity,
        sessions: deps.sessions,
        secureCookies: deps.publicUrl?.startsWith('https:') ?? false,
        publicUrl: deps.publicUrl,
        oidc: deps.oidc,
        db: deps.db,
        now: () => deps.clock.now(),
      });
      api.post(
        '/setup',
        {
          schema: operation({
            tag: 'session',
            public: true,
            summary: 'First run: make the owner account with the setup token printed at start',
            body: setupBody,
            ok: { 201: setupOut },
            errors: [403, 409],
          }),
        },
        async (req, reply) => {
          const body = parseInput(setupBody, req.body);
          return reply.status(201).send(await deps.accounts.setup(body));
        },
      );
      kindsRoutes(api);
      sitesRoutes(api, deps.sites, deps.publicUrl, (id) => deps.engine.refresh(id));
      monitoringRoutes(api, { engine: deps.engine, sites: deps.sites, clock: deps.clock, locationsOf: deps.probes?.locationsOf });
      incidentsRoutes(api, {
        incidents: deps.incidents.service,
        maintenance: deps.incidents.maintenance,
        calendar: deps.incidents.calendar,
        sites: deps.sites,
        outbox: new Outbox(deps.db),
        clock: deps.clock,
      });
      // Channels belong to the whole instance: people limited to their team's sites neither see nor change them.
      await api.register(async (scope) => {
        scope.addHook('preHandler', async (req) => accessOf(req).requireGlobal(req.method === 'GET' ? 'read' : 'write'));
        channelsRoutes(scope, deps.channels, deps.delivery);
      });
      auditsRoutes(api, deps.audits, deps.sites);
      if (deps.backups) backupsRoutes(api, deps.backups);
      liveRoutes(api, deps.live, access);
      await deps.statusPages?.apiRoutes(api);
      deps.feedback?.apiRoutes(api);
      deps.probes?.apiRoutes(api);
      deps.routines?.apiRoutes(api);
      deps.privacyRecords?.apiRoutes(api);
      deps.siteBook?.(api);
      deps.updates?.apiRoutes(api);
      runbooksRoutes(api, { runbooks: new RunbooksService(deps.db, deps.clock), sites: deps.sites, incidents: deps.incidents.service });
      if (deps.objectives) objectivesRoutes(api, deps.objectives, deps.sites);
      deps.reports?.apiRoutes(api);
      dashboardRoutes(api, {
        portfolio: new PortfolioService(deps.db, deps.engine, deps.sites, deps.clock),
        engine: deps.engine,
        sites: deps.sites,
        clock: deps.clock,
      });
    },
    { prefix: '/api/v1' },
  );
  await dashboardStatic(app);
  return app;
}
