import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { nullableNum, num, text, textOr } from './values.js';
import type { KumaData, KumaMonitor } from './model.js';

const loose = z.record(z.string(), z.unknown());
/** Settings → Backup → Export of Kuma 1.x: what the browser held of monitors and notifications. */
const backupSchema = z.object({
  version: z.string().optional(),
  notificationList: z.array(loose).default([]),
  monitorList: z.array(loose),
});

function monitorOf(m: Record<string, unknown>): KumaMonitor {
  const ids = m.notificationIDList && typeof m.notificationIDList === 'object' ? (m.notificationIDList as Record<string, unknown>) : {};
  const tags = Array.isArray(m.tags) ? (m.tags as Record<string, unknown>[]) : [];
  return {
    id: num(m.id),
    name: textOr(m.name, `monitor ${num(m.id)}`),
    type: textOr(m.type, 'http'),
    active: m.active !== false && m.active !== 0,
    parent: nullableNum(m.parent),
    description: text(m.description),
    url: text(m.url),
    method: text(m.method),
    headers: text(m.headers),
    body: text(m.body),
    httpBodyEncoding: text(m.httpBodyEncoding),
    authMethod: text(m.authMethod),
    basicAuthUser: text(m.basic_auth_user),
    basicAuthPass: text(m.basic_auth_pass),
    interval: num(m.interval, 60),
    retryInterval: num(m.retryInterval),
    timeout: num(m.timeout),
    resendInterval: num(m.resendInterval),
    maxretries: num(m.maxretries),
    upsideDown: m.upsideDown === true,
    ignoreTls: m.ignoreTls === true,
    maxredirects: num(m.maxredirects, 10),
    acceptedStatusCodes: Array.isArray(m.accepted_statuscodes) ? m.accepted_statuscodes.map(String) : ['200-299'],
    keyword: text(m.keyword),
    invertKeyword: m.invertKeyword === true,
    jsonPath: text(m.jsonPath),
    jsonPathOperator: text(m.jsonPathOperator),
    expectedValue: text(m.expectedValue),
    hostname: text(m.hostname),
    port: nullableNum(m.port),
    dnsResolveType: text(m.dns_resolve_type),
    dnsResolveServer: text(m.dns_resolve_server),
    expiryNotification: m.expiryNotification === true,
    proxyId: nullableNum(m.proxyId),
    ipFamily: text(m.ipFamily),
    conditions: typeof m.conditions === 'string' ? m.conditions : m.conditions ? JSON.stringify(m.conditions) : null,
    notificationIds: Object.entries(ids)
      .filter(([, on]) => on === true)
      .map(([id]) => Number(id)),
    tags: tags.map((t) => ({ name: textOr(t.name, ''), value: textOr(t.value, '') })),
  };
}

/**
 * Reads the JSON backup Uptime Kuma 1.x exports (Settings → Backup → Export). It holds monitors and
 * notifications only: maintenance windows and status pages are not in it (import the database for those).
 */
export function readKumaBackup(textContent: string, file: string): KumaData {
  let raw: unknown;
  try {
    raw = JSON.parse(textContent);
  } catch (err) {
    throw new AppError('invalid_input', `${file} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = backupSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_input', `${file} is not an Uptime Kuma backup (expected "monitorList" and "notificationList")`);
  const backup = parsed.data;
  return {
    describe: `Uptime Kuma ${backup.version ?? ''} JSON backup`.replace('  ', ' '),
    serverTimezone: null,
    monitors: backup.monitorList.map(monitorOf).sort((a, b) => a.id - b.id),
    notifications: backup.notificationList.map((n) => {
      let config: Record<string, unknown> = {};
      try {
        config = typeof n.config === 'string' ? (JSON.parse(n.config) as Record<string, unknown>) : ((n.config as Record<string, unknown> | undefined) ?? {});
      } catch {
        config = {};
      }
      return { id: num(n.id), name: textOr(n.name, textOr(config.name, `notification ${num(n.id)}`)), active: n.active !== false, config };
    }),
    maintenance: [],
    statusPages: [],
    others: [],
  };
}
