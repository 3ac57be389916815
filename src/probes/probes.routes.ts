import type { FastifyInstance } from 'fastify';
import { siteRefOf } from '../accounts/access.js';
import { bucketFor } from '../dashboard/series.js';
import { toIso, type Clock } from '../lib/clock.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParams, parseId } from '../http/schema.js';
import { parseInput } from '../config/validate.js';
import {
  assignmentsOut,
  assignmentsQuery,
  batchOut,
  locationSeriesOut,
  locationSeriesQuery,
  probeBatchIn,
  probeHealthQuery,
  probeIn,
  probeMade,
  probesOut,
} from './probes.schema.js';
import type { ProbesService } from './probes.service.js';

const tag = 'probes';

/**
 * The probes' own routes (`/probe/...`): authenticated by a probe token only, never by a person's
 * session or API token (the auth hook lets them through; the service checks the probe token).
 */
export function probeRoutes(app: FastifyInstance, probes: ProbesService): void {
  const probeAuth = { public: true, errors: [401, 409] as const };
  app.get(
    '/probe/assignments',
    {
      schema: operation({
        tag,
        ...probeAuth,
        summary: 'For a probe (its token as the bearer): the monitors its location checks',
        description:
          'Send the last answer’s ETag as If-None-Match: 304 with no body while nothing changed. The User-Agent’s "upkeep-probe/<version>" is kept as the probe’s version.',
        query: assignmentsQuery,
        ok: { 200: assignmentsOut },
      }),
    },
    async (req, reply) => {
      const { location, ...health } = parseInput(assignmentsQuery, req.query);
      const probe = await probes.authenticate(req.headers.authorization, location);
      const version = /upkeep-probe\/(\S{1,40})/i.exec(req.headers['user-agent'] ?? '')?.[1] ?? null;
      const answer = await probes.assignments(probe, version, health);
      reply.header('etag', answer.version).header('cache-control', 'no-cache');
      if (req.headers['if-none-match'] === answer.version) return reply.status(304).send();
      return answer;
    },
  );
  app.post(
    '/probe/results',
    {
      schema: operation({
        tag,
        ...probeAuth,
        summary: 'For a probe: a batch of results (a batch sent again is stored once)',
        query: probeHealthQuery,
        body: probeBatchIn,
        ok: { 200: batchOut },
      }),
    },
    async (req) => {
      const probe = await probes.authenticate(req.headers.authorization, undefined);
      return probes.ingest(probe, req.body, parseInput(probeHealthQuery, req.query));
    },
  );
}

/** Managing probes: owners and admins only (a probe token runs checks with the monitors' secrets). */
export function probesAdminRoutes(app: FastifyInstance, probes: ProbesService): void {
  app.get(
    '/probes',
    { schema: operation({ tag, summary: 'Probes with their health: last seen, version, lag, results waiting and dropped', ok: { 200: probesOut } }) },
    async (req) => {
      accessOf(req).requireAdmin();
      return { data: await probes.list() };
    },
  );
  app.post(
    '/probes',
    {
      schema: operation({
        tag,
        summary: 'Make a probe for a declared location; its token is shown this once',
        body: probeIn,
        ok: { 201: probeMade },
        errors: [409],
      }),
    },
    async (req, reply) => {
      accessOf(req).requireAdmin();
      return reply.status(201).send(await probes.create(req.body));
    },
  );
  app.delete(
    '/probes/:id',
    { schema: operation({ tag, summary: 'Revoke a probe: its token is refused from now on (its results are kept)', params: idParams, ok: { 204: null } }) },
    async (req, reply) => {
      accessOf(req).requireAdmin();
      await probes.revoke(parseId(req));
      return reply.status(204).send();
    },
  );
}

/** A monitor's results per probe location for charts: for whoever may read the monitor. */
export function locationSeriesRoutes(app: FastifyInstance, probes: ProbesService, clock: Clock): void {
  app.get(
    '/monitors/:id/locations/series',
    {
      schema: operation({
        tag,
        summary: 'Checks, failures and average response time per bucket from each probe location of a monitor (probes’ results are kept 7 days)',
        description:
          'Buckets as `/monitors/{id}/series` (minutes for 1h, 10 min for 24h, hours for 7d). The `local` location is not kept apart: see the monitor’s own series.',
        params: idParams,
        query: locationSeriesQuery,
        ok: { 200: locationSeriesOut },
      }),
    },
    async (req) => {
      const monitor = await probes.monitor(parseId(req));
      accessOf(req).require(siteRefOf.monitor(monitor), 'read', `monitor ${monitor.id}`);
      const { window } = parseInput(locationSeriesQuery, req.query);
      const to = clock.now();
      const bucketMs = bucketFor(window);
      return { from: toIso(to - window), to: toIso(to), bucketSeconds: bucketMs / 1000, locations: await probes.series(monitor.id, to - window, to, bucketMs) };
    },
  );
}
