import type { Kysely } from 'kysely';
import type { AuditService, StoredAudit } from '../audits/audit.service.js';
import { scoreOfCategory } from '../audits/types.js';
import { backupHeartbeatOf } from '../backups/heartbeats.js';
import type { Database } from '../db/types.js';
import { covers, type MaintenanceCalendar } from '../incidents/maintenance.js';
import { outcomeCode } from '../monitoring/result.js';
import type { ResultStore } from '../monitoring/results.service.js';
import type { Monitor, Site } from '../sites/sites.service.js';
import type { InventoryService } from '../updates/inventory.service.js';
import { isOutdated } from '../updates/match.js';
import { RunsRepository } from '../updates/runs/runs.repository.js';
import type { RunStatus } from '../updates/tables.js';

const DAY = 86_400_000;
/** A restore drill at least this often, or the report recommends one. */
export const DRILL_EVERY_MS = 31 * DAY;

export interface MaintenanceDone {
  name: string;
  start: number;
  end: number;
}

export interface UpdatesFigures {
  /** False while the site has neither an inventory nor an update run: the report says "not set up". */
  setUp: boolean;
  runs: { at: number; status: RunStatus }[];
  pending: { name: string; version: string; latest: string }[];
  endOfLife: { name: string; version: string }[];
}

export interface BackupFigures {
  name: string;
  kind: 'backup' | 'drill';
  succeeded: number;
  failed: number;
  lastSuccess: number | null;
}

export interface AuditFigures {
  scores: { name: string; now: string; before: string | null }[];
  fixed: string[];
  added: string[];
}

/** Backup jobs and drills report through heartbeat monitors named after them (src/backups/heartbeats.ts). */
export const backupKindOf = (m: Monitor): BackupFigures['kind'] | null => backupHeartbeatOf(m)?.kind ?? null;

/** Maintenance windows that covered the site (or one of its monitors) during [from, to), cut at the month's ends. */
export function maintenanceDone(calendar: MaintenanceCalendar, site: Site, monitors: readonly Monitor[], from: number, to: number): MaintenanceDone[] {
  return calendar
    .upcoming(from, to)
    .filter(
      (w) =>
        monitors.some((m) => covers(w.spec, { site: site.spec.name, key: `${site.spec.name}/${m.spec.name}`, tags: [...site.spec.tags, ...m.spec.tags] })) ||
        covers(w.spec, { site: site.spec.name, key: '', tags: site.spec.tags }),
    )
    .map((w) => ({ name: w.name, start: Math.max(w.occurrence.start, from), end: Math.min(w.occurrence.end, to) }))
    .filter((w) => w.end > w.start);
}

/** Update runs finished in the month, and what the site's newest inventory before the month's end says is pending. */
export async function updatesOf(db: Kysely<Database>, inventories: InventoryService, siteId: number, from: number, to: number): Promise<UpdatesFigures> {
  const runs = (await new RunsRepository(db).list(siteId, 500))
    .map((r) => ({ at: r.finished_at ?? r.created_at, status: r.status }))
    .filter((r) => r.at >= from && r.at < to)
    .sort((a, b) => a.at - b.at);
  const latest = (await inventories.history(siteId, 500)).find((i) => i.takenAt < to);
  const hadRuns = runs.length > 0 || (await new RunsRepository(db).list(siteId, 1)).some((r) => r.created_at < to);
  if (!latest) return { setUp: hadRuns, runs, pending: [], endOfLife: [] };
  const components = await inventories.components(latest.id);
  return {
    setUp: true,
    runs,
    pending: components.filter(isOutdated).map((c) => ({ name: c.name, version: c.version!, latest: c.latest! })),
    endOfLife: components.filter((c) => c.endOfLife).map((c) => ({ name: c.name, version: c.version ?? '' })),
  };
}

/** Per backup job and drill of the site: runs that succeeded and failed in the month, and the last success. */
export async function backupsOf(store: ResultStore, monitors: readonly Monitor[], from: number, to: number): Promise<BackupFigures[]> {
  const out: BackupFigures[] = [];
  for (const m of monitors) {
    const heartbeat = backupHeartbeatOf(m);
    if (!heartbeat) continue;
    const rows = await store.repository.monitorResultsBetween(m.id, from, to);
    const good = rows.filter((r) => r.status !== outcomeCode.down);
    out.push({
      name: heartbeat.job,
      kind: heartbeat.kind,
      succeeded: good.length,
      failed: rows.length - good.length,
      lastSuccess: good.reduce<number | null>((last, r) => Math.max(last ?? 0, r.at), null),
    });
  }
  return out;
}

/** Whether some restore drill of the site succeeded in the 31 days before `at`. */
export async function drilledRecently(store: ResultStore, monitors: readonly Monitor[], at: number): Promise<boolean> {
  for (const m of monitors) {
    if (backupKindOf(m) !== 'drill') continue;
    const s = await store.summary(m.id, at - DRILL_EVERY_MS, at);
    if (s.up + s.degraded > 0) return true;
  }
  return false;
}

const scoreOf = (a: StoredAudit, key: string) => a.grades[key] ?? (a.scores[key] === undefined ? undefined : String(a.scores[key]));

/**
 * The site's audit scores at the month's end against those before it began, and the findings fixed
 * and new between the two (per category: the newest audit of the category on each side).
 */
export async function auditsOf(audits: AuditService, siteId: number, from: number, to: number): Promise<AuditFigures | null> {
  const list = (await audits.listAudits(siteId, { limit: 200 })).items.filter((a) => a.status !== 'failed' && a.status !== 'running');
  const at = (a: StoredAudit) => Date.parse(a.finishedAt ?? a.startedAt);
  const inMonth = list.filter((a) => at(a) >= from && at(a) < to);
  if (!inMonth.length) return null;
  const before = list.filter((a) => at(a) < from);
  const categories = [...new Set(inMonth.flatMap((a) => a.categories))].sort();
  const out: AuditFigures = { scores: [], fixed: [], added: [] };
  for (const category of categories) {
    const now = inMonth.find((a) => a.categories.includes(category))!;
    const then = before.find((a) => a.categories.includes(category));
    const keys = [...new Set([...Object.keys(now.scores), ...Object.keys(now.grades)])].filter((k) => scoreOfCategory(k, category));
    for (const key of keys.sort()) out.scores.push({ name: key, now: scoreOf(now, key)!, before: then ? (scoreOf(then, key) ?? null) : null });
    if (!then) continue;
    const ids = (a: StoredAudit) => new Map(a.findings.filter((f) => f.category === category).map((f) => [f.id, f.title]));
    const nowIds = ids(now);
    const thenIds = ids(then);
    for (const [id, title] of thenIds) if (!nowIds.has(id)) out.fixed.push(title);
    for (const [id, title] of nowIds) if (!thenIds.has(id)) out.added.push(title);
  }
  return out;
}
