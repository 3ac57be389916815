import type { Kysely } from 'kysely';
import { loadRepository } from '../audits/security/retire.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { reconcileComponentIncidents, type ComponentIncidentsDeps } from './component-incidents.js';
import type { Observed } from './component.js';
import { InventoriesRepository } from './inventories.repository.js';
import { InventoryService } from './inventory.service.js';
import type { KnowledgeSettings, KnowledgeStore } from './knowledge.js';
import { assess, type Assessed } from './match.js';
import type { UpdatePolicies } from './policies.service.js';
import { policyFor } from './policy.js';
import { refreshKnowledge, type RefreshResult } from './snapshot/refresh.js';
import type { SourceFetch } from './sources/index.js';

const MINUTE = 60_000;
/** After a refresh where every source failed, the next try comes this soon (or at the interval, if shorter). */
const RETRY_MS = 3_600_000;

export interface KnowledgeRefreshDeps extends ComponentIncidentsDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  dataDir: string;
  store: KnowledgeStore;
  settings: KnowledgeSettings;
  policies: UpdatePolicies;
  /** The guarded client (src/lib/net): every request to a source goes through it. */
  fetch: SourceFetch;
}

/** The facts a source is asked about; what the last knowledge added is left out, so a new one decides again. */
const observedOf = (c: Assessed): Observed => ({
  name: c.name,
  ecosystem: c.ecosystem,
  seen: c.seen,
  ...(c.version === undefined ? {} : { version: c.version }),
  ...(c.advisoryName === undefined ? {} : { advisoryName: c.advisoryName }),
  ...(c.release === undefined ? {} : { release: c.release }),
});

/**
 * Refreshes the knowledge from the live sources when it is due (`updates.knowledge.refresh`), asking
 * about the components every site's newest inventories hold, keeps it in the database for every
 * node, and assesses those inventories again so that newly known vulnerabilities and end-of-life
 * dates open component incidents. A source that fails keeps its old data and is logged and
 * reported with the data's age. A cluster singleton job.
 */
export class KnowledgeRefresh {
  private repeating: Repeating | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: KnowledgeRefreshDeps) {}

  start(): void {
    if (this.deps.settings.refresh === 'off') return;
    this.repeating = repeat(MINUTE, () => this.tick().then(() => undefined), { log: this.deps.log, what: 'the knowledge refresh', now: true });
  }

  async stop(): Promise<void> {
    await this.repeating?.stop();
  }

  /** Refreshes when due (after a tick under way ends); answers each source's result, or null when nothing was due. */
  tick(): Promise<RefreshResult[] | null> {
    const next = this.queue.then(() => this.refreshIfDue());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async refreshIfDue(): Promise<RefreshResult[] | null> {
    const { settings, store, clock } = this.deps;
    if (settings.refresh === 'off') return null;
    const last = await store.lastAttempt();
    if (last && last.at + (last.failed ? Math.min(settings.refresh, RETRY_MS) : settings.refresh) > clock.now()) return null;
    const inventories = new InventoriesRepository(this.deps.db);
    const newest = await inventories.newestOfAll();
    const components = new Map<number, Assessed[]>();
    for (const row of newest)
      components.set(
        row.id,
        (await inventories.components(row.id)).map((r) => JSON.parse(r.detail) as Assessed),
      );
    // Nothing to ask about yet (no site has an inventory): the sources are not asked for everything they know.
    if (![...components.values()].some((list) => list.length)) return null;
    const asked = new Map<string, Observed>();
    for (const c of [...components.values()].flat()) asked.set(JSON.stringify([c.ecosystem, c.name, c.version, c.advisoryName, c.release]), observedOf(c));

    const now = new Date(clock.now());
    const loaded = await store.load(now);
    const { knowledge, results } = await refreshKnowledge({
      knowledge: loaded.knowledge,
      fetch: this.deps.fetch,
      components: [...asked.values()],
      sources: settings.sources,
      now,
    });
    await store.save(
      knowledge,
      results.map((r) => ({ ...r, at: now.getTime() })),
      now.getTime(),
    );
    for (const r of results.filter((r) => !r.ok))
      this.deps.log.warn({ source: r.kind, reason: r.message }, 'a knowledge source could not be refreshed; its old data is kept');
    if (results.some((r) => r.ok)) await this.reassess(newest, components, now);
    return results;
  }

  /** Every site's newest inventories, assessed with the refreshed knowledge and kept when that changed them; then the sites' component incidents. */
  private async reassess(rows: Awaited<ReturnType<InventoriesRepository['newestOfAll']>>, components: Map<number, Assessed[]>, now: Date): Promise<void> {
    const { db, clock, store, policies } = this.deps;
    const loaded = await store.load(now);
    const retire = loadRepository(this.deps.dataDir);
    const history = new InventoryService(db, clock);
    const sites = new SitesRepository(db);
    await policies.refresh();
    for (const siteId of new Set(rows.map((r) => r.site_id))) {
      const site = await sites.getSite(siteId);
      if (!site) continue;
      try {
        for (const row of rows.filter((r) => r.site_id === siteId)) {
          const assessed = assess((components.get(row.id) ?? []).map(observedOf), loaded.knowledge, retire, now);
          await history.record(siteId, row.source, row.target, assessed, loaded.builtAt, { takenAt: row.taken_at, checkedAt: row.checked_at });
        }
        const tags = (JSON.parse(site.spec) as { tags?: string[] }).tags ?? [];
        const policy = policyFor(policies.config, { name: site.name, tags });
        await reconcileComponentIncidents(this.deps, { id: site.id, name: site.name }, policy, await history.current(site.id));
      } catch (err) {
        this.deps.log.warn({ err, site: site.name }, 'assessing a site’s inventory with the refreshed knowledge failed');
      }
    }
  }
}
