import Database from 'better-sqlite3';
import { AppError } from '../../lib/errors.js';
import { nullableNum, num, text, textOr } from './values.js';
import type { KumaData, KumaMonitor, KumaOther } from './model.js';

type Row = Record<string, unknown>;

const bool = (v: unknown): boolean => v === 1 || v === true || v === '1' || v === 'true';

function jsonList(v: unknown): string[] {
  try {
    const parsed: unknown = JSON.parse(textOr(v, '[]'));
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

function jsonObject(v: unknown): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(textOr(v, '{}'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A monitor row of either schema (2.0 added columns; 1.23 lacks them, which reads as null). */
function monitorOf(row: Row, notificationIds: number[], tags: { name: string; value: string }[]): KumaMonitor {
  return {
    id: num(row.id),
    name: textOr(row.name, `monitor ${num(row.id)}`),
    type: textOr(row.type, 'http'),
    active: bool(row.active),
    parent: nullableNum(row.parent),
    description: text(row.description),
    url: text(row.url),
    method: text(row.method),
    headers: text(row.headers),
    body: text(row.body),
    httpBodyEncoding: text(row.http_body_encoding),
    authMethod: text(row.auth_method),
    basicAuthUser: text(row.basic_auth_user),
    basicAuthPass: text(row.basic_auth_pass),
    interval: num(row.interval, 60),
    retryInterval: num(row.retry_interval),
    timeout: num(row.timeout),
    resendInterval: num(row.resend_interval),
    maxretries: num(row.maxretries),
    upsideDown: bool(row.upside_down),
    ignoreTls: bool(row.ignore_tls),
    maxredirects: num(row.maxredirects, 10),
    acceptedStatusCodes: jsonList(row.accepted_statuscodes_json ?? '["200-299"]'),
    keyword: text(row.keyword),
    invertKeyword: bool(row.invert_keyword),
    jsonPath: text(row.json_path),
    jsonPathOperator: text(row.json_path_operator),
    expectedValue: text(row.expected_value),
    hostname: text(row.hostname),
    port: nullableNum(row.port),
    dnsResolveType: text(row.dns_resolve_type),
    dnsResolveServer: text(row.dns_resolve_server),
    expiryNotification: bool(row.expiry_notification),
    proxyId: nullableNum(row.proxy_id),
    ipFamily: text(row.ip_family),
    conditions: text(row.conditions),
    notificationIds,
    tags,
  };
}

function groupBy<T>(rows: Row[], key: string, value: (row: Row) => T): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const row of rows) {
    const id = num(row[key]);
    out.set(id, [...(out.get(id) ?? []), value(row)]);
  }
  return out;
}

/**
 * Reads an Uptime Kuma database (1.23's patch-based schema or 2.0's knex migrations) read-only;
 * nothing in the file is changed, so a live Kuma's database can be read in place.
 */
export function readKumaDatabase(file: string): KumaData {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new AppError('invalid_input', `cannot open ${file} as an SQLite database: ${(err as Error).message}`, { cause: err });
  }
  try {
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    if (!tables.has('monitor') || !tables.has('heartbeat') || !tables.has('notification')) {
      throw new AppError('invalid_input', `${file} is not an Uptime Kuma database (it has no monitor, heartbeat and notification tables)`);
    }
    const all = (sql: string) => db.prepare(sql).all() as Row[];
    // Settings are stored JSON-encoded ('"Europe/Stockholm"'), older ones as plain text.
    const setting = (key: string): string | null => {
      const raw = text(db.prepare('SELECT value FROM setting WHERE key = ?').pluck().get(key));
      try {
        return raw === null ? null : String(JSON.parse(raw));
      } catch {
        return raw;
      }
    };
    const schema = tables.has('knex_migrations') ? '2.0' : '1.23';

    const notificationsOf = groupBy(all('SELECT monitor_id, notification_id FROM monitor_notification ORDER BY id'), 'monitor_id', (r) =>
      num(r.notification_id),
    );
    const tagsOf = groupBy(
      all('SELECT mt.monitor_id, t.name, mt.value FROM monitor_tag mt JOIN tag t ON t.id = mt.tag_id ORDER BY mt.id'),
      'monitor_id',
      (r) => ({
        name: String(r.name),
        value: textOr(r.value, ''),
      }),
    );
    const monitors = all('SELECT * FROM monitor ORDER BY id').map((row) =>
      monitorOf(row, notificationsOf.get(num(row.id)) ?? [], tagsOf.get(num(row.id)) ?? []),
    );

    const notifications = all('SELECT * FROM notification ORDER BY id').map((row) => ({
      id: num(row.id),
      name: textOr(row.name, `notification ${num(row.id)}`),
      active: bool(row.active),
      config: jsonObject(row.config),
    }));

    const maintenanceMonitors = groupBy(all('SELECT maintenance_id, monitor_id FROM monitor_maintenance ORDER BY id'), 'maintenance_id', (r) =>
      num(r.monitor_id),
    );
    const maintenancePages = groupBy(all('SELECT maintenance_id, status_page_id FROM maintenance_status_page ORDER BY id'), 'maintenance_id', (r) =>
      num(r.status_page_id),
    );
    const maintenance = all('SELECT * FROM maintenance ORDER BY id').map((row) => ({
      id: num(row.id),
      title: textOr(row.title, ''),
      description: textOr(row.description, ''),
      active: bool(row.active),
      strategy: textOr(row.strategy, 'single'),
      startDate: text(row.start_date),
      endDate: text(row.end_date),
      cron: text(row.cron),
      duration: nullableNum(row.duration),
      timezone: text(row.timezone),
      monitorIds: maintenanceMonitors.get(num(row.id)) ?? [],
      statusPageIds: maintenancePages.get(num(row.id)) ?? [],
    }));

    const domains = groupBy(
      tables.has('status_page_cname') ? all('SELECT status_page_id, domain FROM status_page_cname ORDER BY id') : [],
      'status_page_id',
      (r) => String(r.domain),
    );
    const groups = all('SELECT id, name, status_page_id FROM "group" WHERE public = 1 ORDER BY status_page_id, weight, id');
    const groupMonitors = groupBy(all('SELECT group_id, monitor_id FROM monitor_group ORDER BY weight, id'), 'group_id', (r) => num(r.monitor_id));
    const incidents = groupBy(all('SELECT status_page_id, title FROM incident ORDER BY id'), 'status_page_id', (r) => String(r.title));
    const statusPages = all('SELECT * FROM status_page ORDER BY id').map((row) => {
      const id = num(row.id);
      return {
        id,
        slug: String(row.slug),
        title: textOr(row.title, textOr(row.slug, '')),
        description: text(row.description),
        icon: text(row.icon),
        footerText: text(row.footer_text),
        customCss: text(row.custom_css),
        published: bool(row.published ?? 1),
        googleAnalyticsId: text(row.google_analytics_tag_id),
        domains: domains.get(id) ?? [],
        groups: groups.filter((g) => num(g.status_page_id) === id).map((g) => ({ name: String(g.name), monitorIds: groupMonitors.get(num(g.id)) ?? [] })),
        incidents: incidents.get(id) ?? [],
      };
    });

    const others: KumaOther[] = [
      ...(tables.has('proxy') ? all('SELECT host, port FROM proxy') : []).map((r) => ({
        kind: 'proxy',
        name: `${String(r.host)}:${String(r.port)}`,
        reason: 'Upkeep checks connect directly; it has no proxies',
      })),
      ...(tables.has('docker_host') ? all('SELECT name FROM docker_host') : []).map((r) => ({
        kind: 'docker host',
        name: String(r.name),
        reason: 'Upkeep has no Docker monitors',
      })),
      ...(tables.has('remote_browser') ? all('SELECT name FROM remote_browser') : []).map((r) => ({
        kind: 'remote browser',
        name: String(r.name),
        reason: 'Upkeep has no real-browser monitors',
      })),
      ...(tables.has('api_key') ? all('SELECT name FROM api_key') : []).map((r) => ({
        kind: 'API key',
        name: String(r.name),
        reason: 'API keys are not carried over; make Upkeep API tokens instead',
      })),
      ...all('SELECT username FROM user').map((r) => ({
        kind: 'user',
        name: String(r.username),
        reason: 'accounts are not carried over; add people with "upkeep admin" or the dashboard',
      })),
    ];

    return {
      describe: `Uptime Kuma ${schema} database`,
      serverTimezone: setting('serverTimezone'),
      monitors,
      notifications,
      maintenance,
      statusPages,
      others,
    };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('invalid_input', `cannot read ${file} as an Uptime Kuma database: ${(err as Error).message}`, { cause: err });
  } finally {
    db.close();
  }
}
