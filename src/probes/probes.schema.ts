import { z } from 'zod';
import { duration } from '../config/duration.js';
import { objectName } from '../config/fields.js';
import { outcomeOf } from '../monitoring/result.js';
import { locationName } from '../monitoring/locations.js';

export const probeIn = z.object({ name: objectName('probe'), location: locationName }).strict();

/** One check a probe ran: `seq` numbers the probe's results within its run, so a batch sent again is stored once. */
export const probeResultIn = z
  .object({
    seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    monitorId: z.number().int().min(1),
    at: z.number().int().min(0).describe('when the check started, ms since the epoch (the probe’s clock)'),
    status: z.enum(outcomeOf),
    message: z.string().max(1_000),
    durationMs: z.number().min(0).max(3_600_000).optional(),
    statusCode: z.number().int().min(100).max(599).optional(),
  })
  .strict();

export const probeBatchIn = z
  .object({
    /** A random id the probe takes when it starts; with `seq` it names each result once and for all. */
    run: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'run is 8 to 64 letters, digits, "-" or "_"'),
    location: locationName.optional().describe('the location the probe was started for; refused if it is not the token’s'),
    version: z.string().max(40).optional(),
    results: z.array(probeResultIn).max(5_000),
  })
  .strict();

/**
 * How a probe's buffer stands, sent in the query of both probe routes (in the query, not the body, so a
 * probe newer than its server is not refused for them: an older server ignores them).
 */
export const probeHealthQuery = z.object({
  backlog: z.coerce.number().int().min(0).max(1_000_000_000).optional().describe('results waiting to be sent (after this batch, on the results route)'),
  dropped: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .describe('results the buffer’s cap has dropped, over every run that kept the same journal'),
});
export type ProbeHealth = z.output<typeof probeHealthQuery>;

export const assignmentsQuery = probeHealthQuery.extend({ location: locationName.optional() });

export type ProbeBatch = z.output<typeof probeBatchIn>;

export const probeOut = z.object({
  id: z.number().int(),
  name: z.string(),
  location: z.string(),
  tokenPrefix: z.string().describe('the first characters of the token, to recognize it'),
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
  health: z.enum(['never seen', 'online', 'silent', 'revoked']).describe('silent: nothing heard for 2 minutes'),
  lastSeenAt: z.iso.datetime().nullable(),
  version: z.string().nullable(),
  lagMs: z.number().nullable().describe('how late the newest result of its last batch arrived'),
  backlog: z.number().int().nullable().describe('results it said were waiting to be sent, at its last batch or poll (null: not said yet)'),
  dropped: z
    .number()
    .int()
    .nullable()
    .describe('results its buffer’s cap dropped while it could not reach the server, as it last said (kept across its restarts by its journal)'),
});
export const probesOut = z.object({ data: z.array(probeOut) });
export const probeMade = probeOut.extend({ token: z.string().describe('shown this once') });

export const assignmentsOut = z.object({
  version: z.string().describe('also the ETag; send it back as If-None-Match to get 304 while nothing changed'),
  location: z.string(),
  monitors: z.array(
    z.object({ id: z.number().int(), site: z.string(), spec: z.record(z.string(), z.unknown()).describe('the monitor as written, secrets included') }),
  ),
});
export type Assignments = z.output<typeof assignmentsOut>;

export const batchOut = z.object({
  stored: z.number().int().describe('results new to the server'),
  duplicates: z.number().int().describe('results it already had (a batch sent again)'),
  ignored: z.number().int().describe('results for monitors not (or no longer) checked from this probe’s location'),
});

/** Probes' results are kept 7 days: a window of a location chart reaches that far at most. */
export const locationSeriesQuery = z.object({
  window: duration({ min: 3_600_000, max: 7 * 86_400_000 }).prefault('24h'),
});

export const locationSeriesOut = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  bucketSeconds: z.number().int(),
  locations: z.array(
    z.object({
      location: z.string(),
      data: z.array(
        z.object({
          at: z.iso.datetime(),
          checks: z.number().int(),
          degraded: z.number().int(),
          down: z.number().int(),
          avgMs: z.number().nullable().describe('average response time of the bucket’s results; null without any'),
        }),
      ),
    }),
  ),
});
export type LocationSeries = z.output<typeof locationSeriesOut>['locations'][number];
