import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { formatDuration, parseDuration } from '../config/duration.js';
import { substituteEnv } from '../config/load.js';
import { AppError } from '../lib/errors.js';
import { ImportDraft } from './draft.js';
import { gatusChannel } from './gatus-alerting.js';
import { sourceDescriptions, type Importer } from './importer.js';
import { isPrivateHost, urlHost } from './values.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** Gatus durations are Go's ("5m", "1h30m", "500ms"), which Upkeep's durations read the same. */
function gatusDuration(v: unknown): string | undefined {
  const ms = parseDuration(str(v) ?? '');
  return ms ? formatDuration(ms) : undefined;
}

/** Gatus replaces `${VAR}` from the environment when it loads its file; the import does the same. */
function expandEnv(value: unknown, env: NodeJS.ProcessEnv, missing: Set<string>): unknown {
  if (typeof value === 'string') {
    const result = substituteEnv(value, env);
    for (const name of result?.missing ?? []) missing.add(name);
    return result ? result.value : value;
  }
  if (Array.isArray(value)) return value.map((v) => expandEnv(v, env, missing));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, env, missing)]));
  return value;
}

interface Expectations {
  expect: Obj;
  dnsExpected: string[];
  certificateDays?: number;
  dropped: string[];
}

const statusRule = /^\[STATUS\]\s*(==|<|<=)\s*(?:any\(([^)]*)\)|(\d{3}))$/;
const bodyPattern = /^\[BODY\]\s*(==|!=)\s*pat\(\*([^*]+)\*\)$/;
const jsonRule = /^\[BODY\]\.([\w.[\]]+)\s*(==|!=|<|>)\s*(.+)$/;
const jsonOps: Record<string, string> = { '==': 'equals', '!=': 'notEquals', '<': 'lessThan', '>': 'greaterThan' };

/** Gatus conditions Upkeep can check the same way; the others are returned in `dropped`. */
function readConditions(conditions: unknown[], kind: 'http' | 'dns' | 'tcp'): Expectations {
  const out: Expectations = { expect: {}, dnsExpected: [], dropped: [] };
  const json: Obj[] = [];
  for (const raw of conditions) {
    const c = String(raw).trim();
    let m: RegExpExecArray | null;
    if ((m = statusRule.exec(c)) && kind === 'http') {
      if (m[1] === '==') out.expect.status = (m[2] ?? m[3]!).split(',').map((s) => Number(s.trim()));
      else out.expect.status = [`100-${Number(m[3]) - (m[1] === '<' ? 1 : 0)}`];
    } else if ((m = bodyPattern.exec(c)) && kind === 'http') out.expect[m[1] === '==' ? 'contains' : 'notContains'] = m[2];
    else if ((m = jsonRule.exec(c)) && kind === 'http' && !m[3]!.includes('(')) json.push({ path: m[1], op: jsonOps[m[2]!], value: m[3]!.trim() });
    else if ((m = /^\[RESPONSE_TIME\]\s*<=?\s*(\d+)$/.exec(c)) && kind === 'http') {
      out.expect.degradedAfter = formatDuration(Number(m[1]));
      out.dropped.push(`${c} (written as degradedAfter: slower is degraded, not down)`);
    } else if ((m = /^\[CERTIFICATE_EXPIRATION\]\s*>\s*(\S+)$/.exec(c))) {
      const ms = parseDuration(m[1]!);
      out.certificateDays = ms === undefined ? 7 : Math.max(1, Math.ceil(ms / 86_400_000));
    } else if (/^\[CONNECTED\]\s*==\s*true$/.test(c) && kind !== 'http') continue;
    else if (/^\[DNS_RCODE\]\s*==\s*NOERROR$/.test(c) && kind === 'dns') continue;
    else if ((m = /^\[BODY\]\s*==\s*([^\s()]+)$/.exec(c)) && kind === 'dns') out.dnsExpected.push(m[1]!);
    else out.dropped.push(c);
  }
  if (json.length) out.expect.json = json;
  return out;
}

function endpointMonitor(e: Obj, draft: ImportDraft): { monitor: Obj; cert?: Obj; notes: string[] } | { skip: string } {
  const url = str(e.url) ?? '';
  const notes: string[] = [];
  const client = obj(e.client);
  const base: Obj = { name: str(e.name) ?? url, interval: gatusDuration(e.interval) ?? '60s' };
  if (e.enabled === false) base.paused = true;
  if (client.timeout) base.timeout = gatusDuration(client.timeout);
  const dns = obj(e.dns);
  let kind: 'http' | 'dns' | 'tcp';
  let monitor: Obj;
  let host: string | undefined;
  if (Object.keys(dns).length) {
    kind = 'dns';
    host = url.replace(/^[a-z]+:\/\//, '');
    monitor = { type: 'dns', host: str(dns['query-name']) ?? '', recordType: str(dns['query-type']) ?? 'A', resolver: host };
  } else if (/^https?:\/\//i.test(url)) {
    kind = 'http';
    host = urlHost(url);
    monitor = { type: 'http', url };
    const method = str(e.method)?.toUpperCase();
    if (method && method !== 'GET') monitor.method = method;
    if (str(e.body)) monitor.body = str(e.body);
    const headers = obj(e.headers);
    if (Object.keys(headers).length) monitor.headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
    if (client.insecure === true) monitor.tls = { verify: false };
    if (client['ignore-redirect'] === true) monitor.followRedirects = false;
  } else if (/^(tcp|tls|starttls):\/\//i.test(url)) {
    kind = 'tcp';
    const target = new URL(url.replace(/^[a-z]+:/i, 'http:'));
    host = target.hostname;
    monitor = /^tcp:/i.test(url) ? { type: 'tcp', host, port: Number(target.port) } : { type: 'tls', host, port: Number(target.port) };
  } else return { skip: `its ${url.split(':')[0] || 'empty'} URL has no Upkeep counterpart` };
  const rules = readConditions(list(e.conditions), kind);
  if (kind === 'http' && Object.keys(rules.expect).length) {
    const { degradedAfter, ...expect } = rules.expect;
    if (Object.keys(expect).length) monitor.expect = expect;
    if (degradedAfter) monitor.degradedAfter = degradedAfter;
  }
  if (rules.dnsExpected.length) monitor.expected = rules.dnsExpected;
  for (const d of rules.dropped) notes.push(`condition ${d} left out`);
  // Without alerts Gatus tells nobody; an Upkeep monitor without notify tells every channel, so the list is always written.
  const alerts = list(e.alerts).map(obj);
  const first = alerts[0];
  base.notify = [...new Set(alerts.map((a) => String(a.type)).filter((t) => draft.hasChannel(t)))];
  if ((base.notify as string[]).length < alerts.length) notes.push('alerts of providers that were not imported are not in notify');
  if (first) {
    base.downAfter = Number(first['failure-threshold'] ?? 3);
    base.upAfter = Number(first['success-threshold'] ?? 2);
  }
  const out = { ...base, ...monitor, ...(isPrivateHost(host) ? { allowPrivateTargets: true } : {}) };
  const cert =
    rules.certificateDays !== undefined && kind === 'http' && url.startsWith('https:')
      ? { type: 'tls', name: `${String(base.name)} (certificate)`, host, criticalDays: rules.certificateDays, warnDays: Math.max(21, rules.certificateDays) }
      : undefined;
  return { monitor: out, ...(cert ? { cert } : {}), notes };
}

/** Gatus's config.yaml: endpoints (by group → sites), external endpoints (heartbeats) and alerting providers (channels). */
export const gatusImporter: Importer = {
  source: 'gatus',
  describe: sourceDescriptions.gatus,
  async read(file, options) {
    let raw: unknown;
    try {
      raw = parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new AppError('invalid_input', `cannot read ${file} as YAML: ${(err as Error).message}`, { cause: err });
    }
    const missing = new Set<string>();
    const config = obj(expandEnv(raw, options.env ?? {}, missing));
    if (missing.size) throw new AppError('invalid_input', `${file} refers to ${[...missing].join(', ')}: set them as you do for Gatus, then import again`);
    if (!Array.isArray(config.endpoints) && !Array.isArray(config['external-endpoints']))
      throw new AppError('invalid_input', `${file} is not a Gatus config (it has no endpoints)`);
    const draft = new ImportDraft();
    for (const [provider, settings] of Object.entries(obj(config.alerting))) {
      const mapped = gatusChannel(provider, obj(settings));
      if ('skip' in mapped) draft.skip('alerting provider', provider, undefined, mapped.skip);
      else if (draft.addChannel({ name: provider, ...mapped.channel }, provider)) for (const n of mapped.notes) draft.note('channel', provider, n);
    }
    const sites = new Map<string, string>();
    const siteFor = (group: unknown) => {
      const wanted = str(group) ?? options.site ?? 'Gatus';
      if (!sites.has(wanted)) sites.set(wanted, draft.addSite(wanted));
      return sites.get(wanted)!;
    };
    for (const e of list(config.endpoints).map(obj)) {
      const mapped = endpointMonitor(e, draft);
      if ('skip' in mapped) {
        draft.skip('endpoint', str(e.name) ?? '?', undefined, mapped.skip);
        continue;
      }
      const site = siteFor(e.group);
      const ref = draft.addMonitor(site, mapped.monitor, 'endpoint');
      if (ref) for (const n of mapped.notes) draft.note('monitor', ref, n);
      if (ref && mapped.cert) draft.addMonitor(site, mapped.cert, 'endpoint');
    }
    for (const e of list(config['external-endpoints']).map(obj)) {
      const name = str(e.name) ?? '?';
      const period = gatusDuration(obj(e.heartbeat).interval);
      if (!period) {
        draft.skip('external endpoint', name, undefined, 'without heartbeat.interval its results are pushed, not expected on a schedule');
        continue;
      }
      const ref = draft.addMonitor(
        siteFor(e.group),
        { type: 'heartbeat', name, period, grace: '0s', ...(e.enabled === false ? { paused: true } : {}) },
        'external',
      );
      if (ref) draft.note('monitor', ref, "its push URL changes: point the job at this monitor's Upkeep ping URL (/ping/<key>)");
    }
    return { describe: 'Gatus config', draft };
  },
};
