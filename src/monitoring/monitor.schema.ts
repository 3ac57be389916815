import type { z } from 'zod';
import { KindRegistry } from '../lib/kinds.js';
import { noSecrets } from '../lib/secrets.js';
import { dnsCheck } from './checks/dns.js';
import { domainCheck } from './checks/domain.js';
import { httpFields, httpSecretFields } from './checks/http.schema.js';
import { httpCheck } from './checks/http.js';
import { dnsFields, domainFields, tcpFields, tlsFields } from './checks/other.schema.js';
import { tcpCheck } from './checks/tcp.js';
import { tlsCheck } from './checks/tls.js';
import { heartbeatMonitor, probeMonitor } from './monitor-fields.js';

/**
 * Every monitor type: its schema, its secrets (and where they are sent), and its check (a heartbeat
 * has none: it is pinged). The union below, the JSON Schema of upkeep.yaml, the API document,
 * `GET /api/v1/kinds` and the dashboard's form all follow from this map; a key that is not its
 * schema's `type` is a compile error.
 */
export const monitorKinds = new KindRegistry('monitor', 'type', {
  http: { kind: 'http', label: 'HTTP(S) page or API', configSchema: probeMonitor('http', httpFields), secretFields: httpSecretFields, behaviour: httpCheck },
  tcp: { kind: 'tcp', label: 'TCP port', configSchema: probeMonitor('tcp', tcpFields), secretFields: noSecrets, behaviour: tcpCheck },
  dns: { kind: 'dns', label: 'DNS records', configSchema: probeMonitor('dns', dnsFields), secretFields: noSecrets, behaviour: dnsCheck },
  tls: { kind: 'tls', label: 'TLS certificate', configSchema: probeMonitor('tls', tlsFields, '1h'), secretFields: noSecrets, behaviour: tlsCheck },
  domain: {
    kind: 'domain',
    label: 'Domain expiry',
    configSchema: probeMonitor('domain', domainFields, '12h'),
    secretFields: noSecrets,
    behaviour: domainCheck,
  },
  heartbeat: { kind: 'heartbeat', label: 'Heartbeat (pinged by a job)', configSchema: heartbeatMonitor, secretFields: noSecrets, behaviour: null },
});

/** A monitor as written in upkeep.yaml and in API bodies. */
export const monitorSchema = monitorKinds.schema.meta({
  examples: [
    { type: 'http', name: 'Home page', url: 'https://shop.example.com/', interval: '1m', expect: { status: ['2xx'], contains: 'Add to cart' } },
    { type: 'heartbeat', name: 'Backup: nightly', period: '1d', grace: '1h' },
  ],
});

export type MonitorInput = z.input<typeof monitorSchema>;
export type MonitorSpec = z.output<typeof monitorSchema>;
export type MonitorType = MonitorSpec['type'];
