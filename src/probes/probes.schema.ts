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

export const assignmentsQuery = z.object({ location: locationName.optional() });

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
