import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { hashToken, mintToken } from '../accounts/accounts.service.js';
import { parseInput } from '../config/validate.js';
import type { Database } from '../db/types.js';
import { toIso, type Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { outcomeCode, outcomeOf } from '../monitoring/result.js';
import { encodeMonitor, type Monitor, type MonitorStore, type SiteCodec } from '../sites/sites.service.js';
import type { LocationResult } from './combine.js';
import { LOCAL } from '../monitoring/locations.js';
import { ProbesRepository, type ProbeRow } from './probes.repository.js';
import { probeBatchIn, probeIn, type Assignments, type LocationSeries, type ProbeHealth, type probeOut } from './probes.schema.js';

const TOKEN_PREFIX = 'upp_';
/** A probe polls every few seconds; one not heard from for this long is "silent". */
const SILENT_MS = 120_000;
/** Results probes sent are kept this long (the per-location history; the combined result is kept as any other). */
const KEEP_MS = 7 * 86_400_000;

export type ProbeOut = z.output<typeof probeOut>;

/**
 * Probes: made, listed and revoked by admins; authenticated by their token; told which monitors their
 * location checks (versioned, so polling is cheap); and the results they send, stored once each.
 */
export class ProbesService {
  private readonly repo: ProbesRepository;
  private cached: { signature: string; byLocation: Map<string, Assignments> } | undefined;

  constructor(
    db: Kysely<Database>,
    private readonly monitors: MonitorStore,
    private readonly codec: SiteCodec,
    private readonly clock: Clock,
    /** The locations declared in the config (`locations:`); a probe belongs to one of them. */
    private readonly declared: readonly string[],
  ) {
    this.repo = new ProbesRepository(db);
  }

  async create(input: unknown): Promise<ProbeOut & { token: string }> {
    const spec = parseInput(probeIn, input);
    if (!this.declared.includes(spec.location)) {
      const known = this.declared.length ? `declared: ${this.declared.join(', ')}` : 'none is declared';
      throw new AppError('invalid_input', `location "${spec.location}" is not declared under locations: in the config (${known})`, {
        details: [{ path: 'location', message: 'not a declared location' }],
      });
    }
    if (await this.repo.byName(spec.name)) throw new AppError('conflict', `a probe named "${spec.name}" exists already (revoked probes keep their names)`);
    const token = mintToken(TOKEN_PREFIX);
    const now = this.clock.now();
    const id = await this.repo.insert({
      name: spec.name,
      location: spec.location,
      token_hash: hashToken(token),
      token_prefix: token.slice(0, 12),
      created_at: now,
    });
    return { ...probeView((await this.repo.byId(id))!, this.clock.now()), token };
  }

  async list(): Promise<ProbeOut[]> {
    return (await this.repo.list()).map((p) => probeView(p, this.clock.now()));
  }

  async revoke(id: number): Promise<void> {
    if (!(await this.repo.byId(id))) throw new AppError('not_found', `probe ${id} does not exist`);
    await this.repo.revoke(id, this.clock.now());
  }

  /** The probe behind an `Authorization: Bearer upp_…` header, or `unauthorized` saying why. */
  async authenticate(header: string | undefined, location: string | undefined): Promise<ProbeRow> {
    const token = /^Bearer\s+(upp_\S+)$/i.exec(header ?? '')?.[1];
    if (!token) throw new AppError('unauthorized', 'a probe sends "Authorization: Bearer <probe token>" (make one with "upkeep probe add")');
    const probe = await this.repo.byTokenHash(hashToken(token));
    if (!probe) throw new AppError('unauthorized', 'the probe token is not known');
    if (probe.revoked_at !== null) throw new AppError('unauthorized', 'the probe token was revoked');
    if (location !== undefined && location !== probe.location)
      throw new AppError('conflict', `this token is probe "${probe.name}" of location "${probe.location}", not "${location}"`);
    return probe;
  }

  /** The monitors a probe's location checks, with their whole definitions; `version` changes when any of them does. */
  async assignments(probe: ProbeRow, version: string | null, health: ProbeHealth = {}): Promise<Assignments> {
    await this.repo.seen(probe.id, this.clock.now(), version, health);
    const all = await this.assigned();
    return all.get(probe.location) ?? { version: digest([]), location: probe.location, monitors: [] };
  }

  /** Stores a probe's batch; a result already stored (same run and number) counts as a duplicate, one for a monitor not assigned is ignored. */
  async ingest(probe: ProbeRow, body: unknown, health: ProbeHealth = {}): Promise<{ stored: number; duplicates: number; ignored: number }> {
    const batch = parseInput(probeBatchIn, body);
    if (batch.location !== undefined && batch.location !== probe.location)
      throw new AppError('conflict', `this token is probe "${probe.name}" of location "${probe.location}", not "${batch.location}"`);
    const now = this.clock.now();
    const assigned = new Set((await this.assigned()).get(probe.location)?.monitors.map((m) => m.id));
    const rows = batch.results
      .filter((r) => assigned.has(r.monitorId))
      .map((r) => ({
        probe_id: probe.id,
        run: batch.run,
        seq: r.seq,
        monitor_id: r.monitorId,
        location: probe.location,
        // A probe's clock ahead of ours would keep its location fresh for ever.
        at: Math.min(r.at, now),
        status: outcomeCode[r.status],
        duration_ms: r.durationMs === undefined ? null : Math.round(r.durationMs),
        status_code: r.statusCode ?? null,
        message: r.message,
      }));
    const stored = await this.repo.insertResults(rows);
    const newest = Math.max(...rows.map((r) => r.at));
    await this.repo.seen(probe.id, now, batch.version ?? probe.version, { ...health, ...(rows.length ? { lagMs: now - newest } : {}) });
    return { stored, duplicates: rows.length - stored, ignored: batch.results.length - rows.length };
  }

  /** What the probes sent for a monitor since a time, newest first (the located dispatcher's source). */
  async resultsFor(monitorId: number, since: number): Promise<LocationResult[]> {
    return (await this.repo.resultsSince([monitorId], since)).map((r) => ({
      location: r.location,
      at: r.at,
      status: outcomeOf[r.status],
      message: r.message,
      durationMs: r.duration_ms ?? undefined,
      statusCode: r.status_code ?? undefined,
    }));
  }

  /** The monitor, to check who may read its locations' results. */
  async monitor(id: number): Promise<Monitor> {
    const row = await this.monitors.getMonitor(id);
    if (!row) throw new AppError('not_found', `monitor ${id} does not exist`);
    return this.codec.monitorFromRow(row);
  }

  /** What each probe location saw of a monitor per bucket over [from, to): checks, failures, average latency (empty buckets 0 and null). */
  async series(monitorId: number, from: number, to: number, bucketMs: number): Promise<LocationSeries[]> {
    const first = from - (from % bucketMs);
    const count = Math.ceil((to - first) / bucketMs);
    const byLocation = new Map<string, LocationSeries['data']>();
    for (const row of await this.repo.buckets(monitorId, first, to, bucketMs)) {
      let data = byLocation.get(row.location);
      if (!data)
        byLocation.set(
          row.location,
          (data = Array.from({ length: count }, (_, i) => ({ at: toIso(first + i * bucketMs), checks: 0, degraded: 0, down: 0, avgMs: null }))),
        );
      const bucket = data[(row.start - first) / bucketMs];
      if (bucket)
        Object.assign(bucket, { checks: row.checks, degraded: row.degraded, down: row.down, avgMs: row.avgMs === null ? null : Math.round(row.avgMs) });
    }
    return [...byLocation].map(([location, data]) => ({ location, data }));
  }

  expire(): Promise<void> {
    return this.repo.expire(this.clock.now() - KEEP_MS);
  }

  /** Every location's assignments, recomputed only when a monitor or site changed. */
  private async assigned(): Promise<Map<string, Assignments>> {
    const changed = await this.monitors.monitorsChanged();
    const signature = `${changed.count}:${changed.latest}:${await this.monitors.sitesChangedAt()}`;
    if (this.cached?.signature === signature) return this.cached.byLocation;
    const lists = new Map<string, Assignments['monitors']>();
    for (const row of await this.monitors.allMonitors()) {
      const monitor = this.codec.monitorFromRow(row);
      const spec = monitor.spec;
      if (spec.type === 'heartbeat' || spec.paused || !spec.locations) continue;
      for (const location of spec.locations) {
        if (location === LOCAL) continue;
        const list = lists.get(location) ?? [];
        list.push({ id: monitor.id, site: monitor.siteName, spec: encodeMonitor(spec, false) });
        lists.set(location, list);
      }
    }
    const byLocation = new Map([...lists].map(([location, monitors]) => [location, { version: digest(monitors), location, monitors }]));
    this.cached = { signature, byLocation };
    return byLocation;
  }
}

const digest = (value: unknown) => `"${createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22)}"`;

/** The probes not revoked, with their health at `now` (for `upkeep cluster status`). */
export async function liveProbes(db: Kysely<Database>, now: number): Promise<ProbeOut[]> {
  return (await new ProbesRepository(db).list()).filter((p) => p.revoked_at === null).map((p) => probeView(p, now));
}

/** A probe as the API and `upkeep cluster status` show it, with its health at `now`. */
export function probeView(p: ProbeRow, now: number): ProbeOut {
  const health = p.revoked_at !== null ? 'revoked' : p.last_seen_at === null ? 'never seen' : now - p.last_seen_at > SILENT_MS ? 'silent' : 'online';
  return {
    id: p.id,
    name: p.name,
    location: p.location,
    tokenPrefix: p.token_prefix,
    createdAt: toIso(p.created_at),
    revokedAt: p.revoked_at === null ? null : toIso(p.revoked_at),
    health,
    lastSeenAt: p.last_seen_at === null ? null : toIso(p.last_seen_at),
    version: p.version,
    lagMs: p.lag_ms,
    backlog: p.backlog,
    dropped: p.dropped,
  };
}
