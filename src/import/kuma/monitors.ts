import { isPrivateHost, seconds, tagOf, urlHost } from '../values.js';
import type { KumaMonitor } from './model.js';

type Obj = Record<string, unknown>;
/** A monitor's Upkeep fields, or why it cannot be one. */
type Mapped = { monitor: Obj; notes: string[] } | { skip: string };

/** Kuma's types Upkeep has nothing for, with what to use instead where something comes close. */
const noCounterpart: Record<string, string> = {
  ping: 'Upkeep has no ICMP ping; a tcp monitor of a port the host serves is the nearest',
  docker: 'Upkeep does not watch Docker containers',
  'real-browser': 'Upkeep has no browser monitors (its audits load pages in Chromium, but on a schedule of hours)',
  steam: 'no Upkeep counterpart',
  gamedig: 'no Upkeep counterpart',
  mqtt: 'no Upkeep counterpart',
  'kafka-producer': 'no Upkeep counterpart',
  sqlserver: 'Upkeep has no database monitors; a tcp monitor of the port is the nearest',
  postgres: 'Upkeep has no database monitors; a tcp monitor of the port is the nearest',
  mysql: 'Upkeep has no database monitors; a tcp monitor of the port is the nearest',
  mongodb: 'Upkeep has no database monitors; a tcp monitor of the port is the nearest',
  redis: 'Upkeep has no database monitors; a tcp monitor of the port is the nearest',
  radius: 'no Upkeep counterpart',
  'grpc-keyword': 'no Upkeep counterpart',
  'tailscale-ping': 'no Upkeep counterpart',
  snmp: 'no Upkeep counterpart',
  rabbitmq: 'no Upkeep counterpart',
  smtp: 'Upkeep has no SMTP monitor; a tcp monitor with expect: "220" is the nearest',
  manual: 'a status set by hand has no Upkeep counterpart',
};

/** Kuma 2.0's json-query operators as Upkeep's JSON assertions (1.23 always compares with "=="). */
const jsonOperators: Record<string, string> = { '==': 'equals', '!=': 'notEquals', '<': 'lessThan', '>': 'greaterThan', contains: 'contains' };
/** A JSONata expression that is only a path (`status`, `data.items[0].state`) reads the same in Upkeep. */
const plainPath = /^\$?\.?[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*|\[\d+\])*$/;

const contentTypes: Record<string, string> = { json: 'application/json', xml: 'text/xml; charset=utf-8', form: 'application/x-www-form-urlencoded' };

/** What every probing monitor shares: cadence, confirmation, pause, description, tags. */
function common(m: KumaMonitor, notes: string[]): Obj {
  const out: Obj = {};
  if (m.description) out.description = m.description;
  if (!m.active) out.paused = true;
  const tags = [...new Set(m.tags.map((t) => tagOf(t.name, t.value)).filter((t): t is string => t !== undefined))].sort();
  if (tags.length) out.tags = tags;
  if (tags.length < m.tags.length) notes.push('some tags could not be written as Upkeep tags and were left out');
  if (m.resendInterval > 0)
    notes.push(`Kuma repeated its alert every ${m.resendInterval} checks while down; in Upkeep reminders come from an escalation policy's remindEvery`);
  if (m.proxyId !== null) notes.push('Kuma sent it through a proxy; Upkeep connects directly');
  return out;
}

function probing(m: KumaMonitor): Obj {
  const out: Obj = { interval: seconds(Math.max(m.interval, 1)), downAfter: Math.min(m.maxretries + 1, 100) };
  if (m.timeout > 0) out.timeout = seconds(Math.min(m.timeout, 300));
  if (m.maxretries > 0 && m.retryInterval > 0 && m.retryInterval !== m.interval) out.retryInterval = seconds(m.retryInterval);
  return out;
}

function parseHeaders(raw: string | null): Record<string, string> | undefined | 'invalid' {
  if (!raw?.trim()) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 'invalid';
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
  } catch {
    return 'invalid';
  }
}

function statusCodes(codes: string[]): (number | string)[] {
  return codes.map((c) => (/^\d{3}$/.test(c) ? Number(c) : c));
}

function httpMonitor(m: KumaMonitor, notes: string[]): Mapped {
  if (!m.url) return { skip: 'it has no URL' };
  if (m.authMethod && m.authMethod !== 'basic')
    return { skip: `its ${m.authMethod} authentication has no Upkeep counterpart (Upkeep sends basic or bearer credentials)` };
  const headers = parseHeaders(m.headers);
  if (headers === 'invalid') return { skip: 'its headers are not a JSON object, so Kuma could not send them either' };
  const out: Obj = { type: 'http', url: m.url };
  const method = (m.method ?? 'GET').toUpperCase();
  if (method !== 'GET') out.method = method;
  const sent = { ...headers };
  if (m.body?.trim()) {
    out.body = m.body;
    const encoding = m.httpBodyEncoding ?? 'json';
    const type = contentTypes[encoding];
    if (type && !Object.keys(sent).some((h) => h.toLowerCase() === 'content-type')) sent['Content-Type'] = type;
  }
  if (Object.keys(sent).length) out.headers = sent;
  if (m.authMethod === 'basic') out.auth = { type: 'basic', username: m.basicAuthUser ?? '', password: m.basicAuthPass ?? '' };
  if (m.maxredirects === 0) out.followRedirects = false;
  else if (m.maxredirects !== 5) out.maxRedirects = Math.min(m.maxredirects, 20);
  if (m.maxredirects > 20) notes.push(`Kuma followed up to ${m.maxredirects} redirects; Upkeep follows at most 20`);
  if (m.ignoreTls) out.tls = { verify: false };
  if (m.ipFamily === '4' || m.ipFamily === '6') out.ipFamily = `ipv${m.ipFamily}`;
  const expect: Obj = {};
  if (m.acceptedStatusCodes.length && !(m.acceptedStatusCodes.length === 1 && m.acceptedStatusCodes[0] === '200-299')) {
    expect.status = statusCodes(m.acceptedStatusCodes);
  }
  if (m.type === 'keyword') {
    if (!m.keyword) return { skip: 'it has no keyword' };
    expect[m.invertKeyword ? 'notContains' : 'contains'] = m.keyword;
  }
  if (m.type === 'json-query') {
    const operator = m.jsonPathOperator ?? '==';
    const op = jsonOperators[operator];
    if (!op) return { skip: `its "${operator}" comparison has no Upkeep counterpart` };
    const path = (m.jsonPath ?? '').trim();
    if (!plainPath.test(path)) return { skip: `its JSONata expression "${path}" is not a plain path, which is all Upkeep's JSON assertions read` };
    expect.json = [{ path, op, value: m.expectedValue ?? '' }];
  }
  if (Object.keys(expect).length) out.expect = expect;
  return { monitor: out, notes };
}

/**
 * One Kuma monitor as an Upkeep monitor, or the reason it cannot be one. Groups are handled by the
 * caller (they become sites); push monitors become heartbeats.
 */
export function mapKumaMonitor(m: KumaMonitor): Mapped {
  const notes: string[] = [];
  const unsupported = noCounterpart[m.type];
  if (unsupported) return { skip: unsupported };
  if (m.upsideDown) return { skip: 'upside-down mode (up when the check fails) has no Upkeep counterpart' };
  if (m.type === 'push') {
    // Kuma declares a push monitor down once `interval` passed without a push and every retry was used up.
    const grace = m.maxretries * (m.retryInterval || m.interval);
    notes.push(
      "its push URL changes: point the job at this monitor's Upkeep ping URL (/ping/<key>, shown in the dashboard); until its first ping it is pending, not down",
    );
    return { monitor: { name: m.name, type: 'heartbeat', ...common(m, notes), period: seconds(Math.max(m.interval, 1)), grace: seconds(grace) }, notes };
  }
  let mapped: Mapped;
  if (m.type === 'http' || m.type === 'keyword' || m.type === 'json-query') mapped = httpMonitor(m, notes);
  else if (m.type === 'port') {
    if (!m.hostname || !m.port) return { skip: 'it has no host or port' };
    mapped = { monitor: { type: 'tcp', host: m.hostname, port: m.port }, notes };
  } else if (m.type === 'dns') {
    if (!m.hostname) return { skip: 'it has no host name' };
    const recordType = m.dnsResolveType ?? 'A';
    if (!['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'CAA', 'SOA'].includes(recordType))
      return { skip: `Upkeep's DNS monitor does not ask for ${recordType} records` };
    const out: Obj = { type: 'dns', host: m.hostname, recordType };
    const server = m.dnsResolveServer?.split(',')[0]?.trim();
    if (server) out.resolver = `${server.includes(':') ? `[${server}]` : server}${m.port && m.port !== 53 ? `:${m.port}` : ''}`;
    if (m.conditions && m.conditions !== '[]') notes.push('its extra conditions on the answer were left out: Upkeep checks that the name resolves');
    mapped = { monitor: out, notes };
  } else return { skip: `its type "${m.type}" is unknown to this importer` };
  if ('skip' in mapped) return mapped;
  const monitor: Obj = { name: m.name, ...mapped.monitor, ...common(m, notes), ...probing(m) };
  if (isPrivateHost(targetHost(monitor))) monitor.allowPrivateTargets = true;
  return { monitor, notes };
}

/** The host a monitor reaches, for the private-address rule (a DNS monitor's resolver is its target). */
function targetHost(monitor: Obj): string | undefined {
  if (typeof monitor.url === 'string') return urlHost(monitor.url);
  if (typeof monitor.resolver === 'string') return monitor.resolver.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return typeof monitor.host === 'string' ? monitor.host : undefined;
}

/** Kuma's certificate-expiry alert on an https monitor: in Upkeep a tls monitor of the same host. */
export function certificateMonitor(m: KumaMonitor, siteMonitorName: string): Obj | undefined {
  if (!m.expiryNotification || !m.url || !['http', 'keyword', 'json-query'].includes(m.type)) return undefined;
  let url: URL;
  try {
    url = new URL(m.url);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:') return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return {
    type: 'tls',
    name: `${siteMonitorName} (certificate)`,
    host,
    ...(url.port ? { port: Number(url.port) } : {}),
    ...(isPrivateHost(host) ? { allowPrivateTargets: true } : {}),
    ...(m.active ? {} : { paused: true }),
  };
}
