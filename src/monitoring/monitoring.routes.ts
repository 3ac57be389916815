import type { FastifyInstance, FastifyRequest } from 'fastify';
import { maxId } from '../lib/ids.js';
import { siteRefOf } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import { z } from 'zod';
import { duration } from '../config/duration.js';
import { parseInput } from '../config/validate.js';
import type { CheckResultsTable } from '../db/types.js';
import { operation } from '../http/operation.js';
import { idParams, pageSchema, parseId, queryNumber } from '../http/schema.js';
import { toIso, type Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import type { SitesService } from '../sites/sites.service.js';
import type { LocationView } from '../probes/combine.js';
import type { MonitoringEngine } from './engine.js';
import { defaultMessage, outcomeOf } from './result.js';
import { checkAccepted, eventOut, overviewOut, resultOut, statusOut, summaryOut } from './monitoring.openapi.js';

const windowQuery = z.object({
  window: duration({ min: 60_000, max: 400 * 86_400_000 }).prefault('24h'),
  to: z.iso.datetime({ offset: true }).optional(),
});
const resultsQuery = z.object({
  limit: queryNumber(z.number().int().min(1).max(1_000)).default(100),
  cursor: queryNumber(z.number().int().min(0)).optional().describe('nextCursor of the previous page'),
});
const eventsQuery = z.object({
  limit: queryNumber(z.number().int().min(1).max(500)).default(50),
  cursor: queryNumber(z.number().int().min(0).max(maxId)).optional().describe('nextCursor of the previous page'),
  kind: z.enum(['status', 'flapping_started', 'flapping_stopped']).optional(),
});
const overviewQuery = windowQuery.extend({
  limit: queryNumber(z.number().int().min(1).max(5_000)).default(500),
  cursor: queryNumber(z.number().int().min(0).max(maxId)).default(0),
});

const showResult = (r: CheckResultsTable) => ({
  at: toIso(r.at),
  status: outcomeOf[r.status],
  durationMs: r.duration_ms,
  timings: r.ttfb_ms === null ? null : { dns: r.dns_ms, connect: r.connect_ms, tls: r.tls_ms, ttfb: r.ttfb_ms, transfer: r.transfer_ms },
  statusCode: r.status_code,
  message: r.message ?? defaultMessage({ statusCode: r.status_code ?? undefined, durationMs: r.duration_ms ?? undefined }),
  detail: r.detail ? (JSON.parse(r.detail) as unknown) : null,
});

/** What the engine knows: live status, results, uptime and latency over windows, events. */
export function monitoringRoutes(
  app: FastifyInstance,
  deps: { engine: MonitoringEngine; sites: SitesService; clock: Clock; locationsOf?: ((monitorId: number) => readonly LocationView[] | undefined) | undefined },
): void {
  const { engine, sites, clock } = deps;
  const tag = 'monitoring';
  const repo = engine.results.repository;
  /** The monitor of the request, if the caller may see it (and change it, for `write`). */
  const monitorIn = async (req: FastifyRequest, need: 'read' | 'write' = 'read') => {
    const monitor = await sites.getMonitor(parseId(req));
    accessOf(req).require(siteRefOf.monitor(monitor), need, `monitor ${monitor.id}`);
    return monitor.id;
  };

  app.get(
    '/monitors/:id/status',
    {
      schema: operation({
        tag,
        summary: 'Live status of a monitor, with its latest results',
        description: 'A monitor made a moment ago may not be loaded yet: 404 until it is.',
        params: idParams,
        ok: { 200: statusOut },
      }),
    },
    async (req) => {
      const id = await monitorIn(req);
      const live = engine.stateOf(id);
      if (!live) throw new AppError('not_found', `monitor ${id} is not loaded yet; try again in a few seconds`);
      const { state, recent } = live;
      return {
        status: state.status,
        health: state.health,
        since: toIso(state.since),
        flapping: state.flapping,
        slow: state.slow,
        lastCheckAt: state.lastCheckAt === null ? null : toIso(state.lastCheckAt),
        lastMessage: state.lastMessage,
        recent: recent.map((r) => ({
          at: toIso(r.at),
          status: r.status,
          message: r.message,
          durationMs: r.durationMs ?? null,
          statusCode: r.statusCode ?? null,
        })),
        locations:
          deps.locationsOf?.(id)?.map((l) => ({
            location: l.location,
            status: l.status,
            at: l.at === null ? null : toIso(l.at),
            durationMs: l.status === 'unavailable' ? null : (l.durationMs ?? null),
            message: l.status === 'unavailable' ? null : l.message,
          })) ?? null,
      };
    },
  );

  app.get(
    '/monitors/:id/results',
    {
      schema: operation({
        tag,
        summary: 'Raw results, newest first (cursor: the previous page’s nextCursor)',
        params: idParams,
        query: resultsQuery,
        ok: { 200: { description: 'A page of results', schema: pageSchema(resultOut, 'cursor') } },
      }),
    },
    async (req) => {
      const id = await monitorIn(req);
      const q = parseInput(resultsQuery, req.query);
      const rows = await repo.listResults(id, q.cursor ?? Number.MAX_SAFE_INTEGER, q.limit);
      return { data: rows.map(showResult), page: { limit: q.limit, nextCursor: rows.length === q.limit ? String(rows.at(-1)!.at) : null } };
    },
  );

  app.get(
    '/monitors/:id/summary',
    {
      schema: operation({
        tag,
        summary: 'Uptime, latency percentiles and phases over a window (24h, 7d, 30d, 90d, 365d or any duration)',
        params: idParams,
        query: windowQuery,
        ok: { 200: summaryOut },
      }),
    },
    async (req) => {
      const id = await monitorIn(req);
      const q = parseInput(windowQuery, req.query);
      const to = q.to ? Date.parse(q.to) : clock.now();
      return { from: toIso(to - q.window), to: toIso(to), ...(await engine.results.summary(id, to - q.window, to)) };
    },
  );

  app.post(
    '/monitors/:id/check',
    { schema: operation({ tag, summary: 'Run a monitor’s check now (409 while it is paused)', params: idParams, ok: { 202: checkAccepted }, errors: [409] }) },
    async (req, reply) => {
      const id = await monitorIn(req, 'write');
      engine.checkNow(id);
      return reply.status(202).send({ accepted: true });
    },
  );

  const listEvents = async (req: FastifyRequest, monitorId: number | undefined) => {
    const q = parseInput(eventsQuery, req.query);
    const visible = await accessOf(req).visibleSites();
    const rows = await repo.listEvents({
      monitorId,
      before: q.cursor,
      limit: q.limit,
      kinds: q.kind ? [q.kind] : undefined,
      siteIds: visible === 'all' ? undefined : visible,
    });
    return {
      data: rows.map((e) => ({
        id: e.id,
        at: toIso(e.at),
        kind: e.kind,
        monitorId: e.monitor_id,
        monitor: e.monitor_name,
        site: e.site_name,
        siteId: e.site_id,
        from: e.from_status,
        to: e.to_status,
        message: e.message,
        evidence: e.evidence ? (JSON.parse(e.evidence) as unknown) : [],
      })),
      page: { limit: q.limit, nextCursor: rows.length === q.limit ? String(rows.at(-1)!.id) : null },
    };
  };
  app.get(
    '/monitors/:id/events',
    {
      schema: operation({
        tag,
        summary: 'State changes of a monitor with their evidence, newest first',
        params: idParams,
        query: eventsQuery,
        ok: { 200: { description: 'A page of events', schema: pageSchema(eventOut, 'cursor') } },
      }),
    },
    async (req) => listEvents(req, await monitorIn(req)),
  );
  app.get(
    '/events',
    {
      schema: operation({
        tag,
        summary: 'State changes of every monitor, newest first',
        query: eventsQuery,
        ok: { 200: { description: 'A page of events', schema: pageSchema(eventOut, 'cursor') } },
      }),
    },
    async (req) => listEvents(req, undefined),
  );

  app.get(
    '/overview',
    {
      schema: operation({
        tag,
        summary: 'Status, uptime and average latency of every monitor over a window, by monitor id',
        query: overviewQuery,
        ok: { 200: overviewOut },
      }),
    },
    async (req) => {
      const q = parseInput(overviewQuery, req.query);
      const to = q.to ? Date.parse(q.to) : clock.now();
      const visible = await accessOf(req).visibleSites();
      const page = [...engine.states()]
        .filter(([id, rt]) => id > q.cursor && (visible === 'all' || visible.has(rt.monitor.siteId)))
        .sort(([a], [b]) => a - b)
        .slice(0, q.limit);
      // Figures of this page's monitors only: a year of day rollups for 500 monitors, not for all of them.
      const figures = await engine.results.overview(
        to - q.window,
        to,
        page.map(([id]) => id),
      );
      const rows = page.map(([id, rt]) => ({
        monitorId: id,
        name: rt.monitor.spec.name,
        site: rt.monitor.siteName,
        type: rt.monitor.spec.type,
        status: rt.state.status,
        since: toIso(rt.state.since),
        ...(figures.get(id) ?? { checks: 0, uptime: null, avgLatency: null }),
      }));
      return {
        from: toIso(to - q.window),
        to: toIso(to),
        data: rows,
        page: { limit: q.limit, nextCursor: rows.length === q.limit ? String(rows.at(-1)!.monitorId) : null },
      };
    },
  );
}
