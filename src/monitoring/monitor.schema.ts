import { z } from 'zod';
import { duration } from '../config/duration.js';
import { channelRefs, markdown, objectName, tags, unionOf } from '../config/fields.js';
import { secretFields, type SecretFields } from '../lib/secrets.js';
import { httpFields, httpSecretFields } from './checks/http.schema.js';
import { dnsFields, domainFields, heartbeatFields, tcpFields, tlsFields } from './checks/other.schema.js';

/** Fields every monitor has, whatever its type. */
const baseFields = {
  name: objectName('monitor'),
  description: z.string().max(2_000).optional(),
  paused: z.boolean().default(false),
  tags,
  notify: channelRefs,
  /** Markdown, or a link to the runbook; linked in every alert about this monitor. */
  runbook: markdown.optional(),
  /** How bad it is when this monitor fails (default: down is major, degraded is minor). */
  severity: z.enum(['critical', 'major', 'minor']).optional(),
  /** Monitors of the same site this one depends on: while one of them is down, this one's failure alerts nobody. */
  dependsOn: z.array(z.string().min(1)).optional(),
};

/** Fields of monitors that Upkeep runs itself on an interval (all but heartbeats). */
function probingFields(defaultInterval: string) {
  return {
    interval: duration({ min: 1_000 }).prefault(defaultInterval),
    timeout: duration({ min: 100, max: 300_000 }).prefault('10s'),
    /** The quicker interval used while a failure is being confirmed. */
    retryInterval: duration({ min: 1_000 }).optional(),
    /** Consecutive failures before the monitor is down. */
    downAfter: z.number().int().min(1).max(100).default(2),
    /** Consecutive successes before a down monitor is up again. */
    upAfter: z.number().int().min(1).max(100).default(1),
    allowPrivateTargets: z.boolean().optional(),
  };
}

function monitorOf<const K extends string, S extends z.ZodRawShape>(type: K, fields: S, defaultInterval = '60s') {
  return z.object({ type: z.literal(type), ...baseFields, ...probingFields(defaultInterval), ...fields }).strict();
}

const heartbeatMonitor = z
  .object({ type: z.literal('heartbeat'), ...baseFields, ...heartbeatFields })
  .strict()
  .superRefine((m, ctx) => {
    if ((m.period === undefined) === (m.schedule === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['period'], message: 'a heartbeat needs either "period" or "schedule" (cron), not both and not neither' });
    }
  });

export const monitorSchemas = {
  http: monitorOf('http', httpFields),
  tcp: monitorOf('tcp', tcpFields),
  dns: monitorOf('dns', dnsFields),
  tls: monitorOf('tls', tlsFields, '1h'),
  domain: monitorOf('domain', domainFields, '12h'),
  heartbeat: heartbeatMonitor,
};

export type MonitorType = keyof typeof monitorSchemas;
export const monitorTypes = Object.keys(monitorSchemas) as MonitorType[];

/** A monitor as written in upkeep.yaml and in API bodies. */
export const monitorSchema = unionOf('type', monitorSchemas).meta({
  examples: [
    { type: 'http', name: 'Home page', url: 'https://shop.example.com/', interval: '1m', expect: { status: ['2xx'], contains: 'Add to cart' } },
    { type: 'heartbeat', name: 'Backup: nightly', period: '1d', grace: '1h' },
  ],
});

export type MonitorInput = z.input<typeof monitorSchema>;
export type MonitorSpec = z.output<typeof monitorSchema>;

const noSecrets = secretFields(() => false);

/** Each monitor type's secrets (paths relative to the monitor) and where they are sent. */
export const monitorSecretFields = {
  http: httpSecretFields,
  tcp: noSecrets,
  dns: noSecrets,
  tls: noSecrets,
  domain: noSecrets,
  heartbeat: noSecrets,
} satisfies Record<MonitorType, SecretFields>;

/**
 * Fields anyone who may change a monitor may change, also on one that may reach private addresses:
 * names, schedule and alerting decide neither where a check goes nor what it asks or looks for.
 */
export const monitorFreeFields: ReadonlySet<string> = new Set([
  ...Object.keys(baseFields),
  ...Object.keys(probingFields('60s')).filter((key) => key !== 'allowPrivateTargets'),
]);
