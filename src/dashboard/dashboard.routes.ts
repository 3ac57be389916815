import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { siteRefOf } from '../accounts/access.js';
import { duration } from '../config/duration.js';
import { parseInput } from '../config/validate.js';
import { accessOf } from '../http/auth.js';
import { errorBody, jsonSchema, parseId } from '../http/schema.js';
import { toIso, type Clock } from '../lib/clock.js';
import type { MonitoringEngine } from '../monitoring/engine.js';
import type { SitesService } from '../sites/sites.service.js';
import { listMonitorStates, monitorStatuses } from './monitors.service.js';
import type { PortfolioService } from './portfolio.service.js';
import { bucketFor, monitorSeries } from './series.js';

const portfolioQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.coerce.number().int().min(0).optional(),
  q: z.string().max(200).optional(),
  tag: z.string().max(200).optional(),
  show: z.enum(['all', 'problems']).default('all'),
  siteId: z.coerce.number().int().positive().optional(),
});
const monitorsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1_000).default(200),
  cursor: z.coerce.number().int().min(0).optional(),
  q: z.string().max(200).optional(),
  siteId: z.coerce.number().int().positive().optional(),
  status: z.enum(monitorStatuses).optional(),
});
const seriesQuery = z.object({
  window: duration({ min: 3_600_000, max: 400 * 86_400_000 }).prefault('24h'),
  to: z.iso.datetime({ offset: true }).optional(),
});
const errors = { 400: jsonSchema(errorBody), 401: jsonSchema(errorBody), 404: jsonSchema(errorBody) };

/** What the dashboard reads beyond the plain objects: the portfolio of sites, and charts' series. */
export function dashboardRoutes(
  app: FastifyInstance,
  deps: { portfolio: PortfolioService; engine: MonitoringEngine; sites: SitesService; clock: Clock },
): void {
  const tags = { tags: ['dashboard'], security: [{ bearer: [] }] };

  app.get(
    '/portfolio',
    {
      schema: {
        ...tags,
        summary: 'Sites with one health line per pillar (uptime, speed, security, privacy, updates, backups), paged by site id',
        querystring: jsonSchema(portfolioQuery),
        response: errors,
      },
    },
    async (req) => deps.portfolio.page(parseInput(portfolioQuery, req.query), await accessOf(req).visibleSites()),
  );

  app.get(
    '/portfolio/monitors',
    {
      schema: {
        ...tags,
        summary: 'Monitors with live status and 24 h uptime and latency, searched by monitor or site name, paged by id',
        querystring: jsonSchema(monitorsQuery),
        response: errors,
      },
    },
    async (req) => listMonitorStates(deps.engine, deps.clock, parseInput(monitorsQuery, req.query), await accessOf(req).visibleSites()),
  );

  app.get(
    '/monitors/:id/series',
    {
      schema: {
        ...tags,
        summary: 'Uptime, latency and phase averages per bucket over a window (minutes for 1h, 10 min for 24h, hours for 7d, 6 h for 30d, days beyond)',
        querystring: jsonSchema(seriesQuery),
        response: errors,
      },
    },
    async (req) => {
      const monitor = await deps.sites.getMonitor(parseId(req));
      accessOf(req).require(siteRefOf.monitor(monitor), 'read');
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
