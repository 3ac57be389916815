import type { FastifyInstance } from 'fastify';
import { maxId } from '../lib/ids.js';
import { z } from 'zod';
import { siteRefOf } from '../accounts/access.js';
import { duration } from '../config/duration.js';
import { parseInput } from '../config/validate.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParams, parseId, queryNumber } from '../http/schema.js';
import { monitorStatesOut, portfolioOut, seriesOut } from './dashboard.openapi.js';
import { toIso, type Clock } from '../lib/clock.js';
import type { MonitoringEngine } from '../monitoring/engine.js';
import type { SitesService } from '../sites/sites.service.js';
import { listMonitorStates, monitorStatuses } from './monitors.service.js';
import type { PortfolioService } from './portfolio.service.js';
import { bucketFor, monitorSeries } from './series.js';

const portfolioQuery = z.object({
  limit: queryNumber(z.number().int().min(1).max(500)).default(100),
  cursor: queryNumber(z.number().int().min(0).max(maxId)).optional(),
  q: z.string().max(200).optional(),
  tag: z.string().max(200).optional(),
  show: z.enum(['all', 'problems', 'unowned']).default('all'),
  siteId: queryNumber(z.number().int().positive().max(maxId)).optional(),
});
const monitorsQuery = z.object({
  limit: queryNumber(z.number().int().min(1).max(1_000)).default(200),
  cursor: queryNumber(z.number().int().min(0).max(maxId)).optional(),
  q: z.string().max(200).optional(),
  siteId: queryNumber(z.number().int().positive().max(maxId)).optional(),
  status: z.enum(monitorStatuses).optional(),
});
const seriesQuery = z.object({
  window: duration({ min: 3_600_000, max: 400 * 86_400_000 }).prefault('24h'),
  to: z.iso.datetime({ offset: true }).optional(),
});

/** What the dashboard reads beyond the plain objects: the portfolio of sites, and charts' series. */
export function dashboardRoutes(
  app: FastifyInstance,
  deps: { portfolio: PortfolioService; engine: MonitoringEngine; sites: SitesService; clock: Clock },
): void {
  const tag = 'dashboard';

  app.get(
    '/portfolio',
    {
      schema: operation({
        tag,
        summary: 'Sites with one health line per pillar (uptime, speed, security, privacy, updates, backups), paged by site id',
        query: portfolioQuery,
        ok: { 200: portfolioOut },
      }),
    },
    async (req) => deps.portfolio.page(parseInput(portfolioQuery, req.query), await accessOf(req).visibleSites()),
  );

  app.get(
    '/portfolio/monitors',
    {
      schema: operation({
        tag,
        summary: 'Monitors with live status and 24 h uptime and latency, searched by monitor or site name, paged by id',
        query: monitorsQuery,
        ok: { 200: monitorStatesOut },
      }),
    },
    async (req) => listMonitorStates(deps.engine, deps.clock, parseInput(monitorsQuery, req.query), await accessOf(req).visibleSites()),
  );

  app.get(
    '/monitors/:id/series',
    {
      schema: operation({
        tag,
        summary: 'Uptime, latency and phase averages per bucket over a window (minutes for 1h, 10 min for 24h, hours for 7d, 6 h for 30d, days beyond)',
        params: idParams,
        query: seriesQuery,
        ok: { 200: seriesOut },
      }),
    },
    async (req) => {
      const monitor = await deps.sites.getMonitor(parseId(req));
      accessOf(req).require(siteRefOf.monitor(monitor), 'read', `monitor ${monitor.id}`);
      const q = parseInput(seriesQuery, req.query);
      const to = q.to ? Date.parse(q.to) : deps.clock.now();
      const bucketMs = bucketFor(q.window);
      return {
        from: toIso(to - q.window),
        to: toIso(to),
        bucketSeconds: bucketMs / 1000,
        data: await monitorSeries(deps.engine.results, monitor.id, to - q.window, to, bucketMs),
      };
    },
  );
}
